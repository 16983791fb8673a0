package io.ferry.testkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {
    @TempDir Path dir;

    @Test
    void issue_writesTheChainAndAPkcs8KeyOfTheCa() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued server = pki.issue(TestPki.Spec.server("server"));

        String chain = Files.readString(server.certFile());
        assertThat(chain.split("BEGIN CERTIFICATE", -1)).hasSize(3);
        assertThat(Files.readString(server.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
        server.certificate().verify(pki.caCertificate().getPublicKey());
        assertThat(server.certificate().getSubjectX500Principal().getName())
                .isEqualTo("CN=localhost");
        assertThat(Files.readString(pki.caFile())).contains("BEGIN CERTIFICATE");
    }

    @Test
    void issue_withKeyPassword_writesAnEncryptedKey() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued c = pki.issue(TestPki.Spec.client("alice", "alice").withKeyPassword("pw"));

        assertThat(Files.readString(c.keyFile()))
                .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    }

    @Test
    void issue_withValidityInThePast_isExpired() {
        TestPki pki = TestPki.create(dir);
        Instant now = Instant.now();
        TestPki.Issued c =
                pki.issue(
                        TestPki.Spec.client("old", "old")
                                .withValidity(
                                        now.minus(Duration.ofDays(3)),
                                        now.minus(Duration.ofDays(2))));

        assertThatThrownBy(() -> c.certificate().checkValidity())
                .isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void pkcs12_holdsTheKeyAndChain() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued server = pki.issue(TestPki.Spec.server("server"));
        Path p12 = server.pkcs12(dir.resolve("server.p12"), "pw");

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            ks.load(in, "pw".toCharArray());
        }
        assertThat(ks.getCertificateChain("key")).hasSize(2);
        assertThat(pki.clientContext(server).getProtocol()).isEqualTo("TLS");
    }
}
