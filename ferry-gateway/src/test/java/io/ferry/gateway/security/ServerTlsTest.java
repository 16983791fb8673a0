package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsTest {
    private static final String AT = "gateway.security.api.tls";

    @TempDir Path dir;

    @Test
    void checkOnce_whenTheFilesAreUnchanged_keepsTheKeys() {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued s = pki.issue(TestPki.Spec.server("server"));
        ServerTls tls = new ServerTls(AT, TlsConfig.pem(s.certFile(), s.keyFile()));
        TlsKeys before = tls.current();

        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.UNCHANGED);
        assertThat(tls.current()).isSameAs(before);
    }

    @Test
    void checkOnce_afterRotation_servesTheNewCertificate() {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued s = pki.issue(TestPki.Spec.server("server"));
        ServerTls tls = new ServerTls(AT, TlsConfig.pem(s.certFile(), s.keyFile()));

        TestPki.Issued next = pki.issue(TestPki.Spec.server("next"));
        next.copyTo(s.certFile(), s.keyFile());

        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.RELOADED);
        assertThat(tls.current().certificate()).isEqualTo(next.certificate());
        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.UNCHANGED);
    }

    @Test
    void checkOnce_withAKeyThatDoesNotMatch_keepsTheOldCertificate_untilFixed() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued s = pki.issue(TestPki.Spec.server("server"));
        ServerTls tls = new ServerTls(AT, TlsConfig.pem(s.certFile(), s.keyFile()));
        TestPki.Issued next = pki.issue(TestPki.Spec.server("next"));

        // half a rotation: the new certificate, the old key
        Files.copy(
                next.certFile(), s.certFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.FAILED);
        assertThat(tls.current().certificate()).isEqualTo(s.certificate());
        assertThat(tls.checkOnce())
                .as("tried once per change")
                .isEqualTo(ServerTls.Outcome.UNCHANGED);

        Files.copy(next.keyFile(), s.keyFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.RELOADED);
        assertThat(tls.current().certificate()).isEqualTo(next.certificate());
    }

    @Test
    void checkOnce_whenAFileDisappears_keepsTheOldCertificate() throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued s = pki.issue(TestPki.Spec.server("server"));
        ServerTls tls = new ServerTls(AT, TlsConfig.pem(s.certFile(), s.keyFile()));

        Files.delete(s.keyFile());
        assertThat(tls.checkOnce()).isEqualTo(ServerTls.Outcome.FAILED);
        assertThat(tls.current().certificate()).isEqualTo(s.certificate());
    }
}
