package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.GatewayConfig.ConfigException;
import io.ferry.testkafka.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsConfigTest {
    private static final String AT = "gateway.security.api.tls";

    @TempDir Path dir;
    private TestPki pki;
    private TestPki.Issued server;

    @BeforeEach
    void issue() {
        pki = TestPki.create(dir);
        server = pki.issue(TestPki.Spec.server("server"));
    }

    private TlsConfig parse(String tlsYaml) {
        GatewayConfig c =
                GatewayConfig.parse(
                        "gateway:\n  security:\n    api:\n      tls:\n"
                                + tlsYaml.indent(8)
                                + "clusters:\n  default:\n    kafka:\n      bootstrap.servers: localhost:9092\n");
        return c.security().api().tls();
    }

    private String pem() {
        return "cert-file: " + server.certFile() + "\nkey-file: " + server.keyFile() + "\n";
    }

    @Test
    void absent_isOff() {
        GatewayConfig c =
                GatewayConfig.parse(
                        "clusters:\n  default:\n    kafka:\n      bootstrap.servers: localhost:9092\n");
        assertThat(c.security().api().tls()).isEqualTo(TlsConfig.OFF);
        assertThat(TlsConfig.OFF.enabled()).isFalse();
    }

    @Test
    void pem_takesTheDefaults() {
        TlsConfig t = parse(pem());
        assertThat(t.enabled()).isTrue();
        assertThat(t.certFile()).isEqualTo(server.certFile());
        assertThat(t.clientAuth()).isEqualTo(TlsConfig.ClientAuth.NONE);
        assertThat(t.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(t.reloadCheckMs()).isEqualTo(10_000);
    }

    @Test
    void everySetting_isRead() {
        TlsConfig t =
                parse(
                        pem()
                                + "client-auth: required\nclient-ca-file: "
                                + pki.caFile()
                                + "\nprotocols: [TLSv1.3]\nreload-check-ms: 500\n");
        assertThat(t.clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRED);
        assertThat(t.clientCaFile()).isEqualTo(pki.caFile());
        assertThat(t.protocols()).containsExactly("TLSv1.3");
        assertThat(t.reloadCheckMs()).isEqualTo(500);
    }

    @Test
    void engine_isAutoByDefault_jdkOrOpenssl_andAnythingElseIsRefused() {
        assertThat(parse(pem()).engine()).isEqualTo(TlsConfig.Engine.AUTO);
        TlsConfig jdk = parse(pem() + "engine: jdk\n");
        assertThat(jdk.engine()).isEqualTo(TlsConfig.Engine.JDK);
        assertThat(jdk.engine().openSsl()).isFalse();
        // the build ships tcnative for Linux x86-64, where CI and the dev machines run
        assertThat(io.vertx.core.net.OpenSSLEngineOptions.isAvailable()).isTrue();
        assertThat(parse(pem() + "engine: openssl\n").engine().openSsl()).isTrue();
        assertThat(TlsConfig.Engine.AUTO.openSsl()).isTrue();
        assertThatThrownBy(() -> parse(pem() + "engine: fast\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(AT + ".engine is 'fast'; expected auto, openssl or jdk");
    }

    @Test
    void encryptedKey_withItsPassword_isRead() {
        TestPki.Issued enc = pki.issue(TestPki.Spec.server("enc").withKeyPassword("s3cret-pw"));
        TlsConfig t =
                parse(
                        "cert-file: "
                                + enc.certFile()
                                + "\nkey-file: "
                                + enc.keyFile()
                                + "\nkey-password: s3cret-pw\n");
        assertThat(TlsKeys.load(t, AT).certificate()).isEqualTo(enc.certificate());
        assertThat(t.toString()).doesNotContain("s3cret-pw").contains("keyPassword=***");
    }

    @Test
    void encryptedKey_withAWrongPassword_isRefused_withoutThePassword() {
        TestPki.Issued enc = pki.issue(TestPki.Spec.server("enc").withKeyPassword("right-pw"));
        assertThatThrownBy(
                        () ->
                                parse(
                                        "cert-file: "
                                                + enc.certFile()
                                                + "\nkey-file: "
                                                + enc.keyFile()
                                                + "\nkey-password: wrong-pw\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".key-file " + enc.keyFile())
                .hasMessageContaining("key-password is wrong")
                .message()
                .doesNotContain("wrong-pw")
                .doesNotContain("right-pw");
    }

    @Test
    void encryptedKey_withoutPassword_namesKeyPassword() {
        TestPki.Issued enc = pki.issue(TestPki.Spec.server("enc").withKeyPassword("pw"));
        assertThatThrownBy(
                        () ->
                                parse(
                                        "cert-file: "
                                                + enc.certFile()
                                                + "\nkey-file: "
                                                + enc.keyFile()
                                                + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is encrypted: set " + AT + ".key-password");
    }

    @Test
    void pkcs12_isRead_aWrongPasswordIsRefusedWithoutIt() {
        Path p12 = server.pkcs12(dir.resolve("server.p12"), "store-pw");
        TlsConfig t = parse("keystore-file: " + p12 + "\nkeystore-password: store-pw\n");
        assertThat(TlsKeys.load(t, AT).certificate()).isEqualTo(server.certificate());
        assertThat(t.toString()).doesNotContain("store-pw");

        assertThatThrownBy(() -> parse("keystore-file: " + p12 + "\nkeystore-password: nope\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".keystore-file " + p12)
                .hasMessageContaining("keystore-password is wrong")
                .message()
                .doesNotContain("nope");
    }

    @Test
    void missingCertFile_namesTheKeyAndTheFile() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> parse("cert-file: " + missing + "\nkey-file: " + server.keyFile()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(AT + ".cert-file " + missing + " does not exist");
    }

    @Test
    void missingClientCaFile_namesIt() {
        Path missing = dir.resolve("ca-missing.pem");
        assertThatThrownBy(() -> parse(pem() + "client-auth: optional\nclient-ca-file: " + missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(AT + ".client-ca-file " + missing + " does not exist");
    }

    @Test
    void keyOfAnotherCertificate_isRefused() {
        TestPki.Issued other = pki.issue(TestPki.Spec.server("other"));
        assertThatThrownBy(
                        () ->
                                parse(
                                        "cert-file: "
                                                + server.certFile()
                                                + "\nkey-file: "
                                                + other.keyFile()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".key-file " + other.keyFile())
                .hasMessageContaining("does not match the certificate CN=localhost");
    }

    @Test
    void aFileThatIsNotPem_isRefused() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "hello");
        assertThatThrownBy(() -> parse("cert-file: " + junk + "\nkey-file: " + server.keyFile()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".cert-file " + junk + " holds no PEM certificate");
        assertThatThrownBy(() -> parse("cert-file: " + server.certFile() + "\nkey-file: " + junk))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".key-file " + junk + " holds no PEM private key");
    }

    @Test
    void tls11_isRefusedAtParse() {
        assertThatThrownBy(() -> parse(pem() + "protocols: [TLSv1.2, TLSv1.1]"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".protocols has TLSv1.1, which is refused")
                .hasMessageContaining("accepted: TLSv1.3, TLSv1.2");
        assertThatThrownBy(() -> parse(pem() + "protocols: SSLv3"))
                .hasMessageContaining("SSLv3, which is refused");
        assertThatThrownBy(() -> parse(pem() + "protocols: [TLSv9]"))
                .hasMessageContaining(AT + ".protocols has 'TLSv9'");
        assertThatThrownBy(() -> TlsConfig.OFF.withProtocols(List.of("TLSv1")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void clientAuth_withoutClientCaFile_isRefused() {
        assertThatThrownBy(() -> parse(pem() + "client-auth: required"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".client-ca-file is missing: client-auth required");
    }

    @Test
    void clientAuth_unknown_listsTheAccepted() {
        assertThatThrownBy(() -> parse(pem() + "client-auth: maybe"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(AT + ".client-auth is 'maybe'; expected none, optional or required");
    }

    @Test
    void clientCaFile_withClientAuthNone_isRefused() {
        assertThatThrownBy(() -> parse(pem() + "client-ca-file: " + pki.caFile()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("client-ca-file is set but client-auth is none");
    }

    @Test
    void pemAndKeystore_orHalfAPair_areRefused() {
        assertThatThrownBy(() -> parse(pem() + "keystore-file: x.p12"))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> parse("cert-file: " + server.certFile()))
                .hasMessage(AT + ".key-file is missing: PEM needs both cert-file and key-file");
        assertThatThrownBy(() -> parse("client-auth: none"))
                .hasMessageContaining(AT + " needs cert-file and key-file (PEM) or keystore-file");
        assertThatThrownBy(() -> parse(pem() + "keystore-password: x"))
                .hasMessage(AT + ".keystore-password goes with keystore-file");
    }

    @Test
    void reloadCheckMs_outOfRange_andUnknownKeys_areRefused() {
        assertThatThrownBy(() -> parse(pem() + "reload-check-ms: -1"))
                .hasMessageContaining(AT + ".reload-check-ms is -1; expected 0..86400000");
        assertThatThrownBy(() -> parse(pem() + "certfile: x"))
                .hasMessageContaining("unknown setting '" + AT + ".certfile'");
    }

    @Test
    void describe_namesTheModeButNoSecret() {
        TlsConfig t =
                parse(
                        pem()
                                + "client-auth: optional\nclient-ca-file: "
                                + pki.caFile()
                                + "\nprotocols: [TLSv1.3]");
        assertThat(t.describe())
                .isEqualTo(
                        "TLS TLSv1.3, client certificates optional, files checked every 10000 ms");
        assertThat(TlsConfig.OFF.describe()).isEqualTo("clear text");
    }
}
