package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.ServerTls;
import io.ferry.gateway.security.TlsConfig;
import io.ferry.gateway.security.TlsReloads;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Certificate rotation without a restart: the files replaced under a running gateway while a client
 * keeps producing on a connection opened before; a bad replacement keeps the old certificate;
 * SIGHUP re-reads at once. Real Kafka, real gateway, real files.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsRotationIT {
    private static InProcessKafka kafka;
    @TempDir static Path dir;
    private static TestPki pki;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic("rotation", 1);
        pki = TestPki.create(dir);
    }

    /** A gateway serving cert.pem/key.pem of {@code sub}, checked every {@code checkMs}. */
    private static Gateway gateway(Path sub, TestPki.Issued first, long checkMs) throws Exception {
        Files.createDirectories(sub);
        Path cert = sub.resolve("cert.pem");
        Path key = sub.resolve("key.pem");
        first.copyTo(cert, key);
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        return Gateway.start(
                GatewayConfig.of(settings, BrokerConfig.of("memory", Map.of("events", 4096)))
                        .withPort(0)
                        .withSecurity(
                                SecurityConfig.OFF.withApi(
                                        ListenerSecurity.OFF.withTls(
                                                TlsConfig.pem(cert, key)
                                                        .withReloadCheckMs(checkMs)))));
    }

    @Test
    void rotation_servesTheNewCertificate_whileAnOpenConnectionKeepsProducing_nothingLost()
            throws Exception {
        Path sub = dir.resolve("rotate");
        TestPki.Issued first = pki.issue(TestPki.Spec.server("first"));
        TestPki.Issued second = pki.issue(TestPki.Spec.server("second"));
        SSLContext ctx = pki.clientContext();
        try (Gateway g = gateway(sub, first, 100);
                TlsClients.KeepAlive conn = new TlsClients.KeepAlive(g.port(), ctx)) {
            assertThat(conn.certificate()).isEqualTo(first.certificate());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger acked = new AtomicInteger();
            AtomicReference<String> failure = new AtomicReference<>();
            CompletableFuture<Void> producer =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    for (int i = 0; !stop.get(); i++) {
                                        String[] r =
                                                conn.post(
                                                        "/topics/rotation/messages?ack=kafka",
                                                        "m-" + i);
                                        if (!r[0].equals("200")) {
                                            failure.set(r[0] + " " + r[1]);
                                            return;
                                        }
                                        acked.incrementAndGet();
                                    }
                                } catch (java.io.IOException e) {
                                    failure.set(e.toString());
                                }
                            });
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> acked.get() >= 20);

            second.copyTo(sub.resolve("cert.pem"), sub.resolve("key.pem"));
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .until(() -> TlsClients.served(g.port(), ctx).equals(second.certificate()));
            int atRotation = acked.get();
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .until(() -> acked.get() >= atRotation + 20 || failure.get() != null);
            stop.set(true);
            producer.get(30, TimeUnit.SECONDS);

            assertThat(TlsClients.served(g.grpcPort(), ctx))
                    .as("the gRPC port of the same listener rotated too")
                    .isEqualTo(second.certificate());
            assertThat(failure.get()).isNull();
            assertThat(conn.certificate()).as("the same connection").isEqualTo(first.certificate());
            assertThat(kafka.readAll("rotation", 1))
                    .as("every acknowledged record arrived")
                    .hasSize(acked.get());
        }
    }

    @Test
    void aBadReplacement_isLogged_andTheOldCertificateStays() throws Exception {
        Path sub = dir.resolve("bad");
        TestPki.Issued first = pki.issue(TestPki.Spec.server("bad-first"));
        TestPki.Issued other = pki.issue(TestPki.Spec.server("bad-other"));
        Logger log = (Logger) LoggerFactory.getLogger(ServerTls.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (Gateway g = gateway(sub, first, 100)) {
            // a certificate whose key is not the one in key.pem
            Files.copy(
                    other.certFile(),
                    sub.resolve("cert.pem"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .until(
                            () ->
                                    List.copyOf(lines.list).stream()
                                            .anyMatch(
                                                    e ->
                                                            e.getLevel() == Level.WARN
                                                                    && e.getFormattedMessage()
                                                                            .contains(
                                                                                    "does not match the certificate")));
            assertThat(TlsClients.served(g.port(), pki.clientContext()))
                    .isEqualTo(first.certificate());
            assertThat(List.copyOf(lines.list))
                    .allSatisfy(
                            e -> assertThat(e.getFormattedMessage()).doesNotContain("PRIVATE KEY"));
        } finally {
            log.detachAppender(lines);
        }
    }

    @Test
    void sighup_reReadsTheFilesAtOnce() throws Exception {
        Path sub = dir.resolve("hup");
        TestPki.Issued first = pki.issue(TestPki.Spec.server("hup-first"));
        TestPki.Issued second = pki.issue(TestPki.Spec.server("hup-second"));
        try (Gateway g = gateway(sub, first, 0)) {
            // installed by the first TLS gateway in this JVM; without it SIGHUP would end the JVM
            assumeTrue(TlsReloads.sighupAvailable(), "sun.misc.Signal is not available");
            second.copyTo(sub.resolve("cert.pem"), sub.resolve("key.pem"));
            Process kill =
                    new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                            .inheritIO()
                            .start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .until(
                            () ->
                                    TlsClients.served(g.port(), pki.clientContext())
                                            .equals(second.certificate()));
        }
    }
}
