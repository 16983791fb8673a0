package io.ferry.gateway;

import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.TlsConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The start's warnings about listeners reachable from other machines without TLS or without
 * authentication (docs/security.md, "Exposure"); stateless, any thread.
 */
final class Exposure {
    private Exposure() {}

    /** True when the listener has TLS. */
    static boolean tls(ListenerSecurity s) {
        return s.tls().enabled();
    }

    /** True when the listener authenticates its callers (so they are denied by default). */
    static boolean authenticates(ListenerSecurity s) {
        return s.authentication().enabled();
    }

    /**
     * True when only known callers get in: authentication, or TLS requiring client certificates of
     * the client CA (network-level, as the kafka-pixy listener's clients send no credentials).
     */
    static boolean restricted(ListenerSecurity s) {
        return authenticates(s)
                || (tls(s) && s.tls().clientAuth() == TlsConfig.ClientAuth.REQUIRED);
    }

    /** True when {@code host} is a loopback address (an unresolvable name counts as exposed). */
    static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The warning for {@code what} (such as "the HTTP port") listening on {@code host}:{@code port}
     * with {@code s}, or null when it is loopback only or has both TLS and authentication; {@code
     * keepLocal} says which setting keeps it to this machine.
     */
    static String warning(
            String what, String host, int port, ListenerSecurity s, String keepLocal) {
        boolean tls = tls(s);
        boolean auth = restricted(s);
        if ((tls && auth) || loopback(host)) {
            return null;
        }
        String missing =
                !tls && !auth
                        ? "without TLS or authentication: anyone who reaches it can produce to"
                                + " and read every topic"
                        : !tls
                                ? "without TLS: credentials and records cross the network in"
                                        + " clear text"
                                : "without authentication: anyone who reaches it can produce to"
                                        + " and read every topic";
        return what
                + " on "
                + host
                + ":"
                + port
                + " is reachable from other machines "
                + missing
                + " ("
                + keepLocal
                + "; docs/security.md)";
    }

    /** The warnings for Ferry's API: its HTTP port and, where it has one, the gRPC port. */
    static List<String> api(GatewayConfig c, int httpPort, int grpcPort) {
        List<String> out = new ArrayList<>(2);
        ListenerSecurity s = c.security().api();
        String keep =
                "gateway.host 127.0.0.1 keeps it to this machine; gateway.security.api.tls and"
                        + " .authentication protect it";
        boolean sharedGrpc = grpcPort == httpPort;
        String http =
                warning(
                        sharedGrpc ? "the HTTP port (and gRPC)" : "the HTTP port",
                        c.host(),
                        httpPort,
                        s,
                        keep);
        if (http != null) {
            out.add(http);
        }
        if (grpcPort != GrpcSettings.OFF && !sharedGrpc) {
            String grpc = warning("the gRPC port", c.host(), grpcPort, s, keep);
            if (grpc != null) {
                out.add(grpc);
            }
        }
        return out;
    }
}
