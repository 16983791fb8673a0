package io.ferry.gateway.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks a port before a server binds it, and explains a bind failure; stateless, any thread. */
final class Ports {
    private Ports() {}

    /**
     * Returns when {@code host}:{@code port} can be bound now (port 0 always can).
     *
     * @throws IllegalStateException naming {@code option} when the port is in use
     */
    static void requireFree(String host, int port, String option) {
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as the servers bind: a port in TIME_WAIT is free
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (BindException e) {
            throw inUse(host, port, option);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")", e);
        }
    }

    /** {@code port} when {@code host}:{@code port} can be bound now, else 0 (any free port). */
    static int freeOr0(String host, int port) {
        try {
            requireFree(host, port, "");
            return port;
        } catch (IllegalStateException e) {
            return 0;
        }
    }

    /** {@code e}, or the clear message for it when a {@link BindException} caused it. */
    static RuntimeException explainBindFailure(
            RuntimeException e, String host, int port, String option) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return inUse(host, port, option);
            }
        }
        return e;
    }

    /** The clear message for a port in use, naming the option that picks another. */
    static IllegalStateException inUse(String host, int port, String option) {
        return new IllegalStateException(
                "port "
                        + port
                        + " on "
                        + host
                        + " is in use; pick another with "
                        + option
                        + " N ("
                        + option
                        + " 0 picks a free one)");
    }
}
