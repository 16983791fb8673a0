package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.TestPki;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The principal of a client certificate, from each part it may come from (BouncyCastle certs). */
class CertPrincipalsTest {
    @TempDir static Path dir;
    private static X509Certificate full;
    private static X509Certificate bare;

    @BeforeAll
    static void certificates() {
        TestPki pki = TestPki.create(dir);
        full =
                pki.issue(
                                TestPki.Spec.client("full", "ignored")
                                        .withSubject("CN=billing-app,OU=Payments,O=Example")
                                        .withSans(
                                                List.of("billing.example.com", "b2.example.com"),
                                                List.of("billing@example.com"),
                                                List.of("spiffe://example.com/billing")))
                        .certificate();
        bare =
                pki.issue(TestPki.Spec.client("bare", "x").withSubject("O=Example,OU=NoName"))
                        .certificate();
    }

    @Test
    void eachSource_readsItsPartOfTheCertificate() {
        assertThat(CertPrincipals.principal(full, AuthConfig.PrincipalFrom.CN))
                .isEqualTo("billing-app");
        assertThat(CertPrincipals.principal(full, AuthConfig.PrincipalFrom.SUBJECT))
                // RFC 2253 as the JDK writes it (the test CA encodes the RDNs CN first)
                .isEqualTo(
                        full.getSubjectX500Principal()
                                .getName(javax.security.auth.x500.X500Principal.RFC2253))
                .contains("CN=billing-app", "OU=Payments", "O=Example");
        assertThat(CertPrincipals.principal(full, AuthConfig.PrincipalFrom.SAN_DNS))
                .isEqualTo("billing.example.com");
        assertThat(CertPrincipals.principal(full, AuthConfig.PrincipalFrom.SAN_EMAIL))
                .isEqualTo("billing@example.com");
        assertThat(CertPrincipals.principal(full, AuthConfig.PrincipalFrom.SAN_URI))
                .isEqualTo("spiffe://example.com/billing");
    }

    @Test
    void aCertificateWithoutThePart_hasNoPrincipal() {
        assertThat(CertPrincipals.principal(bare, AuthConfig.PrincipalFrom.CN)).isNull();
        assertThat(CertPrincipals.principal(bare, AuthConfig.PrincipalFrom.SAN_DNS)).isNull();
        assertThat(CertPrincipals.principal(bare, AuthConfig.PrincipalFrom.SAN_EMAIL)).isNull();
        assertThat(CertPrincipals.principal(bare, AuthConfig.PrincipalFrom.SAN_URI)).isNull();
        Verdict v = new CertPrincipals(AuthConfig.PrincipalFrom.CN).verdict(session(bare));
        assertThat(v.failure()).isEqualTo(AuthFailure.CERTIFICATE_WITHOUT_PRINCIPAL);
        assertThat(v.method()).isEqualTo(AuthConfig.Method.CLIENT_CERT);
        assertThat(v.invalidToken()).isFalse();
        assertThat(v.message()).contains("common name (CN)");
    }

    @Test
    void theVerdict_isComputedOncePerTlsSession() {
        AtomicInteger reads = new AtomicInteger();
        SSLSession s = session(full, reads);
        CertPrincipals c = new CertPrincipals(AuthConfig.PrincipalFrom.CN);
        Verdict first = c.verdict(s);
        assertThat(first.ok()).isTrue();
        assertThat(first.principal().name()).isEqualTo("billing-app");
        assertThat(first.principal().method()).isEqualTo("client-cert");
        assertThat(c.verdict(s)).isSameAs(first);
        assertThat(reads).hasValue(1);
        // another configuration on the same session computes its own
        Verdict dns = new CertPrincipals(AuthConfig.PrincipalFrom.SAN_DNS).verdict(s);
        assertThat(dns.principal().name()).isEqualTo("billing.example.com");
    }

    @Test
    void aSessionWithoutAPeerCertificate_isNoCredentials() {
        Verdict v = new CertPrincipals(AuthConfig.PrincipalFrom.CN).verdict(session(null));
        assertThat(v.failure()).isEqualTo(AuthFailure.NO_CREDENTIALS);
        assertThat(v.method()).isNull();
    }

    private static SSLSession session(X509Certificate peer) {
        return session(peer, new AtomicInteger());
    }

    /** An SSLSession with {@code peer} (null: none) and its values; counts the peer reads. */
    private static SSLSession session(X509Certificate peer, AtomicInteger reads) {
        Map<String, Object> values = new HashMap<>();
        return (SSLSession)
                Proxy.newProxyInstance(
                        SSLSession.class.getClassLoader(),
                        new Class<?>[] {SSLSession.class},
                        (proxy, m, args) ->
                                switch (m.getName()) {
                                    case "getPeerCertificates" -> {
                                        reads.incrementAndGet();
                                        if (peer == null) {
                                            throw new SSLPeerUnverifiedException("no peer");
                                        }
                                        yield new Certificate[] {peer};
                                    }
                                    case "getValue" -> values.get((String) args[0]);
                                    case "putValue" -> values.put((String) args[0], args[1]);
                                    case "hashCode" -> System.identityHashCode(proxy);
                                    case "equals" -> proxy == args[0];
                                    default -> throw new UnsupportedOperationException(m.getName());
                                });
    }
}
