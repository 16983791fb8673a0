package io.ferry.testkafka;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority that issues server and client certificates as PEM files (and
 * PKCS#12 on demand), for the gateway's TLS and client-certificate tests; immutable apart from the
 * files it writes, any thread. For tests only.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(dir);                       // dir/ca.pem
 * TestPki.Issued server = pki.issue(TestPki.Spec.server("server"));  // dir/server.pem, server.key
 * TestPki.Issued alice = pki.issue(TestPki.Spec.client("alice", "alice"));
 * SSLContext ctx = pki.clientContext(alice);              // trusts the CA, presents alice
 * }</pre>
 *
 * <p>Keys are EC P-256; private keys are written as PKCS#8 PEM ({@code PRIVATE KEY}, or {@code
 * ENCRYPTED PRIVATE KEY} with {@link Spec#keyPassword}); certificate files hold the leaf first,
 * then the CA. Needs BouncyCastle ({@code bcpkix-jdk18on}) on the classpath, like {@link
 * TlsMaterial}.
 */
public final class TestPki {
    /** The password {@link Issued#pkcs12} uses unless told otherwise. */
    public static final String PKCS12_PASSWORD = "ferry-test-secret";

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final Path caFile;

    private TestPki(Path dir, KeyPair caKeys, X509Certificate ca, Path caFile) {
        this.dir = dir;
        this.caKeys = caKeys;
        this.ca = ca;
        this.caFile = caFile;
    }

    /**
     * A new CA ({@code CN=Ferry test CA <random>}, valid from a day ago for 30 days) writing into
     * {@code dir} (created if missing); its certificate goes to {@code dir/ca.pem}.
     */
    public static TestPki create(Path dir) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = ecKeys();
            X500Name name = new X500Name("CN=Ferry test CA " + Long.toHexString(RANDOM.nextLong()));
            java.time.Instant now = java.time.Instant.now();
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            name,
                            new BigInteger(64, RANDOM),
                            Date.from(now.minus(java.time.Duration.ofDays(1))),
                            Date.from(now.plus(java.time.Duration.ofDays(30))),
                            name,
                            keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate ca =
                    new JcaX509CertificateConverter()
                            .getCertificate(
                                    b.build(
                                            new JcaContentSignerBuilder(SIGNATURE)
                                                    .build(keys.getPrivate())));
            Path caFile = dir.resolve("ca.pem");
            Files.writeString(caFile, pem(ca), StandardCharsets.US_ASCII);
            return new TestPki(dir, keys, ca, caFile);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the test CA failed", e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("generating the test CA failed: " + e, e);
        }
    }

    /** The CA's certificate as PEM ({@code ca.pem}): a server's {@code client-ca-file}. */
    public Path caFile() {
        return caFile;
    }

    /** The CA's certificate. */
    public X509Certificate caCertificate() {
        return ca;
    }

    /** The directory the files are written to. */
    public Path dir() {
        return dir;
    }

    /**
     * Issues a certificate signed by this CA and writes {@code <name>.pem} (leaf, then the CA) and
     * {@code <name>.key} (PKCS#8 PEM) into {@link #dir}, replacing files of that name.
     */
    public Issued issue(Spec spec) {
        try {
            KeyPair keys = ecKeys();
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            ca,
                            new BigInteger(64, RANDOM),
                            Date.from(spec.notBefore()),
                            Date.from(spec.notAfter()),
                            new X500Name(spec.subject()),
                            keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            List<KeyPurposeId> purposes = new ArrayList<>();
            if (spec.serverAuth()) {
                purposes.add(KeyPurposeId.id_kp_serverAuth);
            }
            if (spec.clientAuth()) {
                purposes.add(KeyPurposeId.id_kp_clientAuth);
            }
            b.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(purposes.toArray(new KeyPurposeId[0])));
            List<GeneralName> sans = new ArrayList<>();
            spec.dnsNames().forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
            spec.ipAddresses().forEach(n -> sans.add(new GeneralName(GeneralName.iPAddress, n)));
            spec.emails().forEach(n -> sans.add(new GeneralName(GeneralName.rfc822Name, n)));
            spec.uris()
                    .forEach(
                            n ->
                                    sans.add(
                                            new GeneralName(
                                                    GeneralName.uniformResourceIdentifier, n)));
            if (!sans.isEmpty()) {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(sans.toArray(new GeneralName[0])));
            }
            X509Certificate leaf =
                    new JcaX509CertificateConverter()
                            .getCertificate(
                                    b.build(
                                            new JcaContentSignerBuilder(SIGNATURE)
                                                    .build(caKeys.getPrivate())));
            Path certFile = dir.resolve(spec.name() + ".pem");
            Path keyFile = dir.resolve(spec.name() + ".key");
            Files.writeString(certFile, pem(leaf) + pem(ca), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, keyPem(keys, spec.keyPassword()), StandardCharsets.US_ASCII);
            return new Issued(certFile, keyFile, leaf, keys, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the test certificate failed", e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("generating the test certificate failed: " + e, e);
        }
    }

    /** A client's TLS context that trusts this CA and presents no certificate. */
    public SSLContext clientContext() {
        return clientContext(null);
    }

    /**
     * A client's TLS context that trusts this CA and presents {@code cert} (none when null); for
     * the JDK's {@code HttpClient} or {@code SSLSocketFactory}.
     */
    public SSLContext clientContext(Issued cert) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (cert != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(cert.keyStore(PKCS12_PASSWORD), PKCS12_PASSWORD.toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("building the client's TLS context failed: " + e, e);
        }
    }

    /** A PEM block of {@code o} (a certificate or a key). */
    static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    private static String keyPem(KeyPair keys, String password)
            throws IOException, OperatorCreationException {
        OutputEncryptor enc = null;
        if (password != null) {
            enc =
                    new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                            .setPRF(PKCS8Generator.PRF_HMACSHA256)
                            .setRandom(RANDOM)
                            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                            .setPassword(password.toCharArray())
                            .build();
        }
        return pem(new JcaPKCS8Generator(keys.getPrivate(), enc));
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return kpg.generateKeyPair();
    }

    /**
     * What to issue.
     *
     * @param name the files' base name ({@code <name>.pem}, {@code <name>.key})
     * @param subject the subject DN, such as {@code CN=alice,O=Ferry}
     * @param dnsNames subjectAltName DNS names
     * @param ipAddresses subjectAltName IP addresses
     * @param emails subjectAltName e-mail addresses (rfc822Name)
     * @param uris subjectAltName URIs
     * @param notBefore the start of validity
     * @param notAfter the end of validity
     * @param serverAuth with the serverAuth extended key usage
     * @param clientAuth with the clientAuth extended key usage
     * @param keyPassword encrypts the key file (PKCS#8, AES-256-CBC); null: in clear
     */
    public record Spec(
            String name,
            String subject,
            List<String> dnsNames,
            List<String> ipAddresses,
            List<String> emails,
            List<String> uris,
            java.time.Instant notBefore,
            java.time.Instant notAfter,
            boolean serverAuth,
            boolean clientAuth,
            String keyPassword) {
        /** Copies the lists. */
        public Spec {
            dnsNames = List.copyOf(dnsNames);
            ipAddresses = List.copyOf(ipAddresses);
            emails = List.copyOf(emails);
            uris = List.copyOf(uris);
        }

        /**
         * A server certificate {@code CN=localhost} for {@code localhost} and {@code 127.0.0.1},
         * valid from a day ago for 30 days.
         */
        public static Spec server(String name) {
            java.time.Instant now = java.time.Instant.now();
            return new Spec(
                    name,
                    "CN=localhost",
                    List.of("localhost"),
                    List.of("127.0.0.1"),
                    List.of(),
                    List.of(),
                    now.minus(java.time.Duration.ofDays(1)),
                    now.plus(java.time.Duration.ofDays(30)),
                    true,
                    false,
                    null);
        }

        /** A client certificate {@code CN=<cn>}, valid from a day ago for 30 days. */
        public static Spec client(String name, String cn) {
            java.time.Instant now = java.time.Instant.now();
            return new Spec(
                    name,
                    "CN=" + cn,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    now.minus(java.time.Duration.ofDays(1)),
                    now.plus(java.time.Duration.ofDays(30)),
                    false,
                    true,
                    null);
        }

        /** This with another subject DN. */
        public Spec withSubject(String dn) {
            return new Spec(
                    name,
                    dn,
                    dnsNames,
                    ipAddresses,
                    emails,
                    uris,
                    notBefore,
                    notAfter,
                    serverAuth,
                    clientAuth,
                    keyPassword);
        }

        /** This with these subjectAltNames (DNS names, e-mail addresses, URIs). */
        public Spec withSans(List<String> dns, List<String> email, List<String> uri) {
            return new Spec(
                    name,
                    subject,
                    dns,
                    ipAddresses,
                    email,
                    uri,
                    notBefore,
                    notAfter,
                    serverAuth,
                    clientAuth,
                    keyPassword);
        }

        /** This valid from {@code from} until {@code until}: expired or not yet valid ones. */
        public Spec withValidity(java.time.Instant from, java.time.Instant until) {
            return new Spec(
                    name,
                    subject,
                    dnsNames,
                    ipAddresses,
                    emails,
                    uris,
                    from,
                    until,
                    serverAuth,
                    clientAuth,
                    keyPassword);
        }

        /** This with its key file encrypted with {@code password}. */
        public Spec withKeyPassword(String password) {
            return new Spec(
                    name,
                    subject,
                    dnsNames,
                    ipAddresses,
                    emails,
                    uris,
                    notBefore,
                    notAfter,
                    serverAuth,
                    clientAuth,
                    password);
        }
    }

    /**
     * An issued certificate and the files it was written to.
     *
     * @param certFile {@code <name>.pem}: the leaf, then the CA
     * @param keyFile {@code <name>.key}: the private key, PKCS#8 PEM
     * @param certificate the leaf
     * @param keys its key pair
     * @param ca the CA that signed it
     */
    public record Issued(
            Path certFile,
            Path keyFile,
            X509Certificate certificate,
            KeyPair keys,
            X509Certificate ca) {
        /** The certificate chain: the leaf, then the CA. */
        public X509Certificate[] chain() {
            return new X509Certificate[] {certificate, ca};
        }

        /** An in-memory PKCS#12 key store with the key (alias {@code key}) and the chain. */
        public KeyStore keyStore(String password) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(
                        "key", keys.getPrivate(), password.toCharArray(), (Certificate[]) chain());
                return ks;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("building a key store failed: " + e, e);
            }
        }

        /**
         * Writes the key and chain as a PKCS#12 file {@code file} protected by {@code password}.
         */
        public Path pkcs12(Path file, String password) {
            try (var out = Files.newOutputStream(file)) {
                keyStore(password).store(out, password.toCharArray());
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + file + " failed", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("writing " + file + " failed: " + e, e);
            }
        }

        /**
         * Copies the certificate and key files over {@code cert} and {@code key} (each written to a
         * temporary file first, then moved into place): a certificate rotation.
         */
        public void copyTo(Path cert, Path key) {
            try {
                replace(certFile, cert);
                replace(keyFile, key);
            } catch (IOException e) {
                throw new UncheckedIOException("copying " + certFile + " failed", e);
            }
        }

        private static void replace(Path from, Path to) throws IOException {
            Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
            Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(
                    tmp,
                    to,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
