package io.ferry.bench.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The harness's TLS material: a self-signed EC P-256 certificate for {@code localhost} and {@code
 * 127.0.0.1} in a PKCS#12 file, made with the JDK's {@code keytool} (no extra dependency). One
 * thread; the directory is the caller's to delete ({@link #delete}).
 */
final class BenchTls {
    /** The store's password: the harness's own throw-away certificate. */
    private static final String PASSWORD = "ferry-bench";

    private BenchTls() {}

    /**
     * Writes {@code dir/server.p12} and returns the API listener's TLS settings over it, on TLS
     * implementation {@code engine}.
     */
    static SecurityConfig security(Path dir, TlsConfig.Engine engine)
            throws IOException, InterruptedException {
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
                ListenerSecurity.OFF.withTls(TlsConfig.pkcs12(p12, PASSWORD).withEngine(engine)));
    }

    /** The audience and issuer of the harness's tokens. */
    private static final String JWT_PARTY = "ferry-bench";

    /** The HS256 secret of the harness's tokens (32 bytes: the shortest the gateway accepts). */
    private static final String JWT_SECRET = "ferry-bench-hs256-secret-32bytes";

    /**
     * {@code tls} with JWT authentication as well (an HS256 secret, audience and issuer checked)
     * and one rule letting the token's principal produce to and describe {@code topic}: default
     * deny is on, as in a real deployment, so every request pays for its authorization too.
     */
    static SecurityConfig withJwt(SecurityConfig tls, String topic) throws IOException {
        String yaml =
                """
                api:
                  authentication:
                    methods: [jwt]
                    jwt: {secret: "%1$s", audience: %2$s, issuer: %2$s}
                  authorization:
                    rules:
                      - principals: [bench]
                        produce: [%3$s]
                        describe: [%3$s]
                """
                        .formatted(JWT_SECRET, JWT_PARTY, topic);
        ListenerSecurity auth =
                SecurityConfig.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml)).api();
        return tls.withApi(
                tls.api()
                        .withAuthentication(auth.authentication())
                        .withAuthorization(auth.authorization()));
    }

    /**
     * A token for {@link #withJwt}: principal {@code bench}, valid for two hours (the gateway
     * verifies it once, then finds it in its cache: what a client reusing its token costs).
     */
    static String jwt() {
        long now = System.currentTimeMillis() / 1000;
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header =
                b64.encodeToString(
                        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims =
                b64.encodeToString(
                        ("{\"sub\":\"bench\",\"aud\":\""
                                        + JWT_PARTY
                                        + "\",\"iss\":\""
                                        + JWT_PARTY
                                        + "\",\"iat\":"
                                        + now
                                        + ",\"exp\":"
                                        + (now + 7200)
                                        + "}")
                                .getBytes(StandardCharsets.UTF_8));
        String signed = header + "." + claims;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(JWT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signed
                    + "."
                    + b64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
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
