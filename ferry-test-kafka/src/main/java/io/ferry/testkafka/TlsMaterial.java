package io.ferry.testkafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away CA and a server certificate it signed, for {@code localhost} and {@code 127.0.0.1},
 * in PKCS12 files: the server's keystore and the clients' truststore; immutable, any thread. For
 * tests only: the password is fixed and printed here.
 *
 * <p>Needs BouncyCastle ({@code bcpkix-jdk18on}, {@code bcprov-jdk18on}) on the classpath; they are
 * optional dependencies of this module, so a test module that uses TLS declares them.
 */
public final class TlsMaterial {
    /** The keystore and truststore type. */
    public static final String TYPE = "PKCS12";

    private static final String PASSWORD = "ferry-test-secret";
    private static final String SIGNATURE = "SHA256withECDSA";

    private final Path keystore;
    private final Path truststore;
    private final X509Certificate ca;

    private TlsMaterial(Path keystore, Path truststore, X509Certificate ca) {
        this.keystore = keystore;
        this.truststore = truststore;
        this.ca = ca;
    }

    /**
     * Generates a CA and a server certificate (EC P-256, valid from a day ago for 30 days) for
     * {@code localhost}/{@code 127.0.0.1}, and writes {@code keystore.p12} and {@code
     * truststore.p12} into {@code dir} (created if missing).
     */
    public static TlsMaterial generate(Path dir) {
        try {
            Files.createDirectories(dir);
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair caKeys = kpg.generateKeyPair();
            KeyPair serverKeys = kpg.generateKeyPair();
            Instant now = Instant.now();
            Date notBefore = Date.from(now.minus(Duration.ofDays(1)));
            Date notAfter = Date.from(now.plus(Duration.ofDays(30)));
            SecureRandom random = new SecureRandom();

            X500Name caName =
                    new X500Name("CN=Ferry test CA " + Long.toHexString(random.nextLong()));
            JcaX509v3CertificateBuilder caCert =
                    new JcaX509v3CertificateBuilder(
                            caName,
                            new BigInteger(64, random),
                            notBefore,
                            notAfter,
                            caName,
                            caKeys.getPublic());
            caCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            caCert.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ContentSigner caSigner =
                    new JcaContentSignerBuilder(SIGNATURE).build(caKeys.getPrivate());
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            X509Certificate ca = converter.getCertificate(caCert.build(caSigner));

            JcaX509v3CertificateBuilder serverCert =
                    new JcaX509v3CertificateBuilder(
                            ca,
                            new BigInteger(64, random),
                            notBefore,
                            notAfter,
                            new X500Name("CN=localhost"),
                            serverKeys.getPublic());
            serverCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            serverCert.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            serverCert.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            serverCert.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(
                            new GeneralName[] {
                                new GeneralName(GeneralName.dNSName, "localhost"),
                                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
                            }));
            X509Certificate server = converter.getCertificate(serverCert.build(caSigner));

            KeyStore ks = KeyStore.getInstance(TYPE);
            ks.load(null, null);
            ks.setKeyEntry(
                    "server",
                    serverKeys.getPrivate(),
                    PASSWORD.toCharArray(),
                    new Certificate[] {server, ca});
            Path keystore = dir.resolve("keystore.p12");
            store(ks, keystore);

            KeyStore ts = KeyStore.getInstance(TYPE);
            ts.load(null, null);
            ts.setCertificateEntry("ca", ca);
            Path truststore = dir.resolve("truststore.p12");
            store(ts, truststore);
            return new TlsMaterial(keystore, truststore, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the test certificates failed", e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("generating the test certificates failed: " + e, e);
        }
    }

    private static void store(KeyStore ks, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD.toCharArray());
        }
    }

    /** The server's keystore (its key, its certificate and the CA's). */
    public Path keystore() {
        return keystore;
    }

    /** The clients' truststore: the CA's certificate alone. */
    public Path truststore() {
        return truststore;
    }

    /** The password of both stores and of the server's key. */
    public String password() {
        return PASSWORD;
    }

    /** The CA's certificate. */
    public X509Certificate caCertificate() {
        return ca;
    }

    /** {@code ssl.truststore.location}, {@code .password} and {@code .type} for a Kafka client. */
    public Map<String, Object> clientTruststoreSettings() {
        return Map.of(
                "ssl.truststore.location", truststore.toString(),
                "ssl.truststore.password", PASSWORD,
                "ssl.truststore.type", TYPE);
    }
}
