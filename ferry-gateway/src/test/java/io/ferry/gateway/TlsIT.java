package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.TlsConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.TestPki;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import pixyclient.KafkaPixyGrpc;
import pixyclient.ProdRq;
import pixyclient.ProdRs;

/**
 * TLS on every kind of listener, end to end: real Kafka, a real gateway, the JDK's TLS client and
 * grpc-java's (an independent TLS and HTTP/2 stack); certificates from {@link TestPki}.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsIT {
    private static InProcessKafka kafka;
    @TempDir static Path dir;
    private static TestPki pki;
    private static TestPki.Issued server;
    private static TestPki.Issued alice;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic("tls", 1);
        pki = TestPki.create(dir);
        server = pki.issue(TestPki.Spec.server("server"));
        alice = pki.issue(TestPki.Spec.client("alice", "alice"));
    }

    private static GatewayConfig config(SecurityConfig security) {
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        return GatewayConfig.of(settings, BrokerConfig.of("memory", Map.of("events", 4096)))
                .withPort(0)
                .withSecurity(security);
    }

    private static TlsConfig serverTls() {
        return TlsConfig.pem(server.certFile(), server.keyFile());
    }

    private static SecurityConfig api(TlsConfig tls) {
        return SecurityConfig.OFF.withApi(ListenerSecurity.OFF.withTls(tls));
    }

    private static void producesOverHttps(HttpClient c, int port, String value) throws Exception {
        HttpResponse<String> r = TlsClients.post(c, port, "/topics/tls/messages?ack=kafka", value);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject body = new JsonObject(r.body());
        ConsumerRecord<byte[], byte[]> rec =
                kafka.recordAt("tls", body.getInteger("partition"), body.getLong("offset"));
        assertThat(new String(rec.value(), UTF_8)).isEqualTo(value);
    }

    @Test
    void https_handshakesWithTheCertificate_andProducesIntoKafka_andSaysSoAtStart()
            throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(Gateway.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (Gateway g = Gateway.start(config(api(serverTls())))) {
            assertThat(TlsClients.served(g.port(), pki.clientContext()))
                    .isEqualTo(server.certificate());
            HttpClient c = TlsClients.https(pki.clientContext());
            producesOverHttps(c, g.port(), "over-tls");
            HttpResponse<String> r =
                    TlsClients.post(c, g.port(), "/topics/tls/messages?ack=kafka", "again");
            assertThat(r.sslSession()).get().extracting(s -> s.getProtocol()).isEqualTo("TLSv1.3");
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(lines.list)
                    .anyMatch(
                            e ->
                                    e.getFormattedMessage()
                                            .startsWith(
                                                    "gateway listening on https://0.0.0.0:"
                                                            + g.port()
                                                            + " (TLS TLSv1.3/TLSv1.2, client"
                                                            + " certificates none"));
        } finally {
            log.detachAppender(lines);
        }
    }

    @Test
    void aClearTextRequest_onTheTlsPort_getsNoHttpAnswer() {
        try (Gateway g = Gateway.start(config(api(serverTls())))) {
            RawHttp.Answer a =
                    RawHttp.send(
                            g.port(),
                            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                    .getBytes(UTF_8));
            assertThat(a.status()).isEqualTo(-1);
        }
    }

    @Test
    void aTls11ClientHello_isRefused_withoutAServerHello() throws Exception {
        try (Gateway g = Gateway.start(config(api(serverTls())));
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", g.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(tls11ClientHello());
            out.flush();
            InputStream in = s.getInputStream();
            int type = in.read();
            // 0x16 would be a ServerHello: the server accepting TLS 1.1; 0x15 is an alert
            assertThat(type).as("record type").isIn(0x15, -1);
            if (type == 0x15) {
                byte[] rest = in.readNBytes(6);
                assertThat(rest[4]).as("alert level fatal").isEqualTo((byte) 2);
                assertThat(rest[5] & 0xff)
                        .as("alert: protocol_version or handshake_failure")
                        .isIn(70, 40);
            }
        }
    }

    /** A TLS 1.1 ClientHello (no supported_versions): ECDHE-ECDSA and RSA AES-128-CBC-SHA. */
    private static byte[] tls11ClientHello() {
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(0x03);
        body.write(0x02); // TLS 1.1
        body.writeBytes(random);
        body.write(0); // no session id
        body.writeBytes(new byte[] {0, 4, (byte) 0xC0, 0x09, 0x00, 0x2F});
        body.writeBytes(new byte[] {1, 0}); // null compression
        byte[] ext = {
            0x00,
            0x0a,
            0x00,
            0x04,
            0x00,
            0x02,
            0x00,
            0x17, // supported_groups: secp256r1
            0x00,
            0x0b,
            0x00,
            0x02,
            0x01,
            0x00 // ec_point_formats: uncompressed
        };
        body.write(0);
        body.write(ext.length);
        body.writeBytes(ext);
        byte[] b = body.toByteArray();
        java.io.ByteArrayOutputStream rec = new java.io.ByteArrayOutputStream();
        rec.writeBytes(new byte[] {0x16, 0x03, 0x02});
        int hs = b.length + 4;
        rec.write(hs >> 8);
        rec.write(hs);
        rec.write(0x01); // ClientHello
        rec.write(0);
        rec.write(b.length >> 8);
        rec.write(b.length);
        rec.writeBytes(b);
        return rec.toByteArray();
    }

    @Test
    void aConnectionThatNeverHandshakes_isClosedAfterTheHeaderTimeout() throws Exception {
        try (Gateway g =
                        Gateway.start(
                                config(api(serverTls()))
                                        .withLimits(
                                                new GatewayConfig.Limits(
                                                        500, 30_000, 60_000, 0, 0)));
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", g.port()), 5000);
            s.setSoTimeout(20_000);
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed").isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000)
                    .as("ms until closed: the header timeout, not Vert.x's 10 s default")
                    .isLessThan(8_000);
        }
    }

    @Test
    void tls12Only_isServedWhenConfigured() throws Exception {
        try (Gateway g =
                Gateway.start(
                        config(api(serverTls().withProtocols(java.util.List.of("TLSv1.2")))))) {
            HttpResponse<String> r =
                    TlsClients.post(
                            TlsClients.https(pki.clientContext()),
                            g.port(),
                            "/topics/tls/messages?ack=kafka",
                            "v12");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession().get().getProtocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void mutualTlsRequired_refusesAClientWithoutACertificate_servesOneOfTheCa() throws Exception {
        TlsConfig tls = serverTls().withClientAuth(TlsConfig.ClientAuth.REQUIRED, pki.caFile());
        try (Gateway g = Gateway.start(config(api(tls)))) {
            assertThatThrownBy(
                            () ->
                                    TlsClients.post(
                                            TlsClients.https(pki.clientContext()),
                                            g.port(),
                                            "/topics/tls/messages?ack=kafka",
                                            "anonymous"))
                    .isInstanceOf(IOException.class);

            TestPki stranger = TestPki.create(dir.resolve("stranger"));
            TestPki.Issued mallory = stranger.issue(TestPki.Spec.client("mallory", "mallory"));
            javax.net.ssl.SSLContext strangerCert = clientOf(mallory);
            assertThatThrownBy(
                            () ->
                                    TlsClients.post(
                                            TlsClients.https(strangerCert),
                                            g.port(),
                                            "/topics/tls/messages?ack=kafka",
                                            "stranger"))
                    .as("a certificate of another CA")
                    .isInstanceOf(IOException.class);

            java.time.Instant now = java.time.Instant.now();
            TestPki.Issued expired =
                    pki.issue(
                            TestPki.Spec.client("expired", "expired")
                                    .withValidity(
                                            now.minus(java.time.Duration.ofDays(3)),
                                            now.minus(java.time.Duration.ofDays(1))));
            assertThatThrownBy(
                            () ->
                                    TlsClients.post(
                                            TlsClients.https(pki.clientContext(expired)),
                                            g.port(),
                                            "/topics/tls/messages?ack=kafka",
                                            "expired"))
                    .as("an expired certificate of the CA")
                    .isInstanceOf(IOException.class);

            HttpResponse<String> ok =
                    TlsClients.post(
                            TlsClients.https(pki.clientContext(alice)),
                            g.port(),
                            "/topics/tls/messages?ack=kafka",
                            "alice");
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    /** A context that trusts our CA but presents a certificate of another CA. */
    private static javax.net.ssl.SSLContext clientOf(TestPki.Issued cert) throws Exception {
        javax.net.ssl.KeyManagerFactory kmf =
                javax.net.ssl.KeyManagerFactory.getInstance(
                        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(cert.keyStore("pw"), "pw".toCharArray());
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.caCertificate());
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void mutualTlsOptional_servesBoth_andTheCertificateReachesTheSession() throws Exception {
        TlsConfig tls = serverTls().withClientAuth(TlsConfig.ClientAuth.OPTIONAL, pki.caFile());
        try (Gateway g = Gateway.start(config(api(tls)))) {
            producesOverHttps(TlsClients.https(pki.clientContext()), g.port(), "no-cert");
            producesOverHttps(TlsClients.https(pki.clientContext(alice)), g.port(), "alice-cert");
            try (TlsClients.KeepAlive c =
                    new TlsClients.KeepAlive(g.port(), pki.clientContext(alice))) {
                assertThat(c.post("/topics/tls/messages?ack=kafka", "asked")[0]).isEqualTo("200");
                assertThat(c.sentCertificates())
                        .as("the server asked for a certificate")
                        .isNotNull()
                        .hasSize(2);
            }
        }
    }

    @Test
    void withoutClientAuth_noCertificateIsAskedFor() throws Exception {
        try (Gateway g = Gateway.start(config(api(serverTls())));
                TlsClients.KeepAlive c =
                        new TlsClients.KeepAlive(g.port(), pki.clientContext(alice))) {
            assertThat(c.post("/topics/tls/messages?ack=kafka", "not-asked")[0]).isEqualTo("200");
            assertThat(c.sentCertificates()).isNull();
        }
    }

    @Test
    void grpcOverTls_onItsOwnPort_producesThroughKafkaPixyProduce() throws Exception {
        TlsConfig tls = serverTls().withClientAuth(TlsConfig.ClientAuth.REQUIRED, pki.caFile());
        try (Gateway g = Gateway.start(config(api(tls)))) {
            assertThat(g.grpcPort()).isNotEqualTo(g.port());
            ChannelCredentials creds =
                    TlsChannelCredentials.newBuilder()
                            .trustManager(pki.caFile().toFile())
                            .keyManager(alice.certFile().toFile(), alice.keyFile().toFile())
                            .build();
            assertGrpcProduces(g.grpcPort(), creds, "grpc-tls");

            ChannelCredentials noCert =
                    TlsChannelCredentials.newBuilder().trustManager(pki.caFile().toFile()).build();
            assertThatThrownBy(() -> assertGrpcProduces(g.grpcPort(), noCert, "refused"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .hasMessageContaining("UNAVAILABLE");
        }
    }

    @Test
    void grpcOverTls_onTheHttpPort_sharesItWithHttp11() throws Exception {
        try (Gateway g =
                Gateway.start(
                        config(api(serverTls()))
                                .withGrpc(GrpcSettings.DEFAULT.withPort(GrpcSettings.SAME_PORT)))) {
            assertThat(g.grpcPort()).isEqualTo(g.port());
            assertGrpcProduces(
                    g.port(),
                    TlsChannelCredentials.newBuilder().trustManager(pki.caFile().toFile()).build(),
                    "grpc-shared");
            producesOverHttps(TlsClients.https(pki.clientContext()), g.port(), "http11-shared");
        }
    }

    private static void assertGrpcProduces(int port, ChannelCredentials creds, String value)
            throws InterruptedException {
        ManagedChannel ch = Grpc.newChannelBuilderForAddress("localhost", port, creds).build();
        try {
            ProdRs rs =
                    KafkaPixyGrpc.newBlockingStub(ch)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .produce(
                                    ProdRq.newBuilder()
                                            .setTopic("tls")
                                            .setKeyValue(ByteString.copyFrom("k", UTF_8))
                                            .setMessage(ByteString.copyFrom(value, UTF_8))
                                            .build());
            assertThat(
                            new String(
                                    kafka.recordAt("tls", rs.getPartition(), rs.getOffset())
                                            .value(),
                                    UTF_8))
                    .isEqualTo(value);
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void kafkaPixyListener_overTls_produces() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(PixyListener.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        SecurityConfig s =
                SecurityConfig.OFF.withKafkaPixy(
                        ListenerSecurity.OFF.withTls(
                                serverTls()
                                        .withClientAuth(
                                                TlsConfig.ClientAuth.REQUIRED, pki.caFile())));
        try (Gateway g = Gateway.start(config(s).withKafkaPixy(KafkaPixyConfig.on("0.0.0.0", 0)))) {
            HttpResponse<String> r =
                    TlsClients.post(
                            TlsClients.https(pki.clientContext(alice)),
                            g.kafkaPixyPort(),
                            "/topics/tls/messages?sync",
                            "pixy-tls");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonObject body = new JsonObject(r.body());
            assertThat(
                            new String(
                                    kafka.recordAt(
                                                    "tls",
                                                    body.getInteger("partition"),
                                                    body.getLong("offset"))
                                            .value(),
                                    UTF_8))
                    .isEqualTo("pixy-tls");
            assertThatThrownBy(
                            () ->
                                    TlsClients.get(
                                            TlsClients.https(pki.clientContext()),
                                            g.kafkaPixyPort(),
                                            "/_ping"))
                    .isInstanceOf(IOException.class);
            assertThat(lines.list)
                    .anyMatch(
                            e ->
                                    e.getFormattedMessage()
                                            .startsWith(
                                                    "kafka-pixy listener on https://0.0.0.0:"
                                                            + g.kafkaPixyPort()
                                                            + " (TLS"))
                    .as("client certificates required: no exposure warning")
                    .noneMatch(e -> e.getLevel() == Level.WARN);
        } finally {
            log.detachAppender(lines);
        }
    }

    @Test
    void managementPort_overTls_answersHealthz_whileTheApiStaysClear() throws Exception {
        SecurityConfig s =
                SecurityConfig.OFF.withManagement(ListenerSecurity.OFF.withTls(serverTls()));
        try (Gateway g = Gateway.start(config(s).withManagementPort(0))) {
            HttpResponse<String> r =
                    TlsClients.get(
                            TlsClients.https(pki.clientContext()), g.managementPort(), "/healthz");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession()).isPresent();
            assertThat(new Http(g.port()).get("/healthz").status()).isEqualTo(200);
        }
    }
}
