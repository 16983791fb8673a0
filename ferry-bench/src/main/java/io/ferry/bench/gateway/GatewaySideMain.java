package io.ferry.bench.gateway;

import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.security.TlsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One side of {@link GatewayLoadReport} {@code --own-jvms}: a gateway in a JVM of its own, with the
 * settings the harness gives its in-JVM gateways, on the harness's Kafka. Arguments: {@code
 * bootstrap-servers clear|tls|tls+jwt auto|openssl|jdk}. Speaks {@link LoadTarget.Forked}'s line
 * protocol on its standard input and output; logs go to standard error.
 */
public final class GatewaySideMain {
    private GatewaySideMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException(
                    "expected: bootstrap-servers clear|tls|tls+jwt auto|openssl|jdk");
        }
        String bootstrap = args[0];
        String kind = args[1];
        TlsConfig.Engine engine = TlsConfig.Engine.valueOf(args[2].toUpperCase(Locale.ROOT));
        GatewayConfig config = GatewayLoadReport.baseConfig(bootstrap);
        Path tlsDir = null;
        try {
            switch (kind) {
                case "clear" -> {}
                case "tls", "tls+jwt" -> {
                    tlsDir = Files.createTempDirectory("ferry-bench-tls");
                    config =
                            config.withSecurity(
                                    GatewayLoadReport.tlsSecurity(
                                            tlsDir, engine, kind.equals("tls+jwt")));
                }
                default ->
                        throw new IllegalArgumentException(
                                "side '" + kind + "'; expected clear, tls or tls+jwt");
            }
            Gateway gateway = Gateway.start(config);
            LoadTarget.InJvm target = new LoadTarget.InJvm(gateway);
            try {
                say("port " + gateway.port());
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("drain")) {
                        target.drain();
                        say("drained");
                    } else {
                        say("unknown command '" + line + "'");
                    }
                }
            } finally {
                target.close();
            }
        } finally {
            if (tlsDir != null) {
                BenchTls.delete(tlsDir);
            }
        }
        System.exit(0);
    }

    private static void say(String s) {
        System.out.println(LoadTarget.Forked.PREFIX + s);
        System.out.flush();
    }
}
