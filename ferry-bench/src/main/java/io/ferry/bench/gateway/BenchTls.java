package io.ferry.bench.gateway;

import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The harness's TLS material: a self-signed EC P-256 certificate for {@code localhost} and {@code
 * 127.0.0.1} in a PKCS#12 file, made with the JDK's {@code keytool} (no extra dependency). One
 * thread; the directory is the caller's to delete ({@link #delete}).
 */
final class BenchTls {
    /** The store's password: the harness's own throw-away certificate. */
    private static final String PASSWORD = "ferry-bench";

    private BenchTls() {}

    /** Writes {@code dir/server.p12} and returns the API listener's TLS settings over it. */
    static SecurityConfig security(Path dir) throws IOException, InterruptedException {
        Path p12 = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p =
                new ProcessBuilder(
                                keytool.toString(),
                                "-genkeypair",
                                "-alias",
                                "server",
                                "-keyalg",
                                "EC",
                                "-groupname",
                                "secp256r1",
                                "-dname",
                                "CN=localhost",
                                "-ext",
                                "san=dns:localhost,ip:127.0.0.1",
                                "-validity",
                                "2",
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                p12.toString(),
                                "-storepass",
                                PASSWORD)
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool could not make the test certificate: " + out);
        }
        return SecurityConfig.OFF.withApi(
                ListenerSecurity.OFF.withTls(TlsConfig.pkcs12(p12, PASSWORD)));
    }

    /** Deletes {@code dir} and what it holds. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
