package io.ferry.gateway.security;

import io.ferry.gateway.GatewayConfig.ConfigException;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The key, certificate chain and client CAs of one {@link TlsConfig}, read from its files and
 * checked (the key matches the leaf certificate), ready for Vert.x ({@link #sslOptions});
 * immutable, any thread. {@link #load} is called at start and by each reload; a failure is a {@link
 * ConfigException} naming the setting and the file, never a password or key material.
 */
public final class TlsKeys {
    /* Design notes
     * The files are read once into memory; the fingerprint (SHA-256 over every file's bytes) and
     * the parsed keys come from the same bytes, so a reload that sees a new fingerprint loads
     * exactly what it fingerprinted. The key goes to Vert.x as a KeyManagerFactory over an
     * in-memory PKCS#12 store: PEM (clear or encrypted PKCS#8) and PKCS#12 inputs end up the same
     * way, and Vert.x compares KeyManagerFactory options by identity, so every load is a new SSL
     * context for HttpServer.updateSSLOptions.
     */
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyManagerFactory keyManagers;
    private final TrustManagerFactory trustManagers;
    private final X509Certificate leaf;
    private final int chainLength;
    private final String fingerprint;

    private TlsKeys(
            KeyManagerFactory keyManagers,
            TrustManagerFactory trustManagers,
            X509Certificate leaf,
            int chainLength,
            String fingerprint) {
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        this.leaf = leaf;
        this.chainLength = chainLength;
        this.fingerprint = fingerprint;
    }

    /**
     * Reads and checks the files of {@code c} (at {@code at}, such as {@code
     * gateway.security.api.tls}).
     *
     * @throws ConfigException naming the setting and the file: missing or unreadable, not PEM or
     *     PKCS#12, a wrong password, a key that does not match the certificate
     */
    public static TlsKeys load(TlsConfig c, String at) {
        if (!c.enabled()) {
            throw new IllegalArgumentException(at + " is off");
        }
        Map<Path, byte[]> files = read(c, at);
        PrivateKey key;
        List<X509Certificate> chain;
        if (c.keystoreFile() != null) {
            KeyStore ks = pkcs12(files.get(c.keystoreFile()), c, at);
            String alias = keyAlias(ks, c, at);
            try {
                key = (PrivateKey) ks.getKey(alias, c.keystorePassword().toCharArray());
                chain = new ArrayList<>();
                for (java.security.cert.Certificate x : ks.getCertificateChain(alias)) {
                    chain.add((X509Certificate) x);
                }
            } catch (GeneralSecurityException | ClassCastException e) {
                throw new ConfigException(
                        at
                                + ".keystore-file "
                                + c.keystoreFile()
                                + ": cannot read its key with keystore-password ("
                                + e.getClass().getSimpleName()
                                + ")");
            }
        } else {
            chain = certificates(files.get(c.certFile()), at + ".cert-file", c.certFile());
            key = privateKey(files.get(c.keyFile()), c, at, chain.get(0).getPublicKey());
        }
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new ConfigException(
                    at
                            + (c.keystoreFile() != null
                                    ? ".keystore-file " + c.keystoreFile()
                                    : ".key-file " + c.keyFile())
                            + ": the private key does not match the certificate "
                            + leaf.getSubjectX500Principal().getName()
                            + (c.keystoreFile() != null ? "" : " of cert-file " + c.certFile()));
        }
        TrustManagerFactory tmf = null;
        if (c.clientAuth() != TlsConfig.ClientAuth.NONE) {
            List<X509Certificate> cas =
                    certificates(
                            files.get(c.clientCaFile()), at + ".client-ca-file", c.clientCaFile());
            tmf = trust(cas, at);
        }
        return new TlsKeys(keyManagers(key, chain, at), tmf, leaf, chain.size(), hash(files));
    }

    /**
     * The fingerprint of {@code c}'s files now: SHA-256 over their bytes, as {@link #fingerprint}
     * of a load of them would be.
     *
     * @throws ConfigException when a file cannot be read
     */
    public static String fingerprint(TlsConfig c, String at) {
        return hash(read(c, at));
    }

    /** SHA-256 (hex) of the files' bytes when these keys were loaded. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The leaf certificate served. */
    public X509Certificate certificate() {
        return leaf;
    }

    /** For log lines: subject, serial, expiry, chain length. No key material. */
    public String describeCertificate() {
        return leaf.getSubjectX500Principal().getName()
                + " (serial "
                + leaf.getSerialNumber().toString(16)
                + ", valid until "
                + leaf.getNotAfter().toInstant()
                + ", chain of "
                + chainLength
                + ")";
    }

    /** The Vert.x options of these keys with {@code c}'s client auth and protocols. */
    public ServerSSLOptions sslOptions(TlsConfig c) {
        ServerSSLOptions o =
                new ServerSSLOptions()
                        .setKeyCertOptions(KeyCertOptions.wrap(keyManagers))
                        .setClientAuth(clientAuth(c.clientAuth()))
                        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(c.protocols()))
                        .setUseAlpn(true);
        if (trustManagers != null) {
            o.setTrustOptions(TrustOptions.wrap(trustManagers));
        }
        return o;
    }

    /** Vert.x's client auth of {@code a}. */
    public static ClientAuth clientAuth(TlsConfig.ClientAuth a) {
        return switch (a) {
            case OPTIONAL -> ClientAuth.REQUEST;
            case REQUIRED -> ClientAuth.REQUIRED;
            case NONE -> ClientAuth.NONE;
        };
    }

    private static Map<Path, byte[]> read(TlsConfig c, String at) {
        Map<Path, byte[]> out = new TreeMap<>();
        read(out, c.certFile(), at + ".cert-file");
        read(out, c.keyFile(), at + ".key-file");
        read(out, c.keystoreFile(), at + ".keystore-file");
        read(out, c.clientCaFile(), at + ".client-ca-file");
        return out;
    }

    private static void read(Map<Path, byte[]> out, Path p, String key) {
        if (p == null) {
            return;
        }
        try {
            out.put(p, Files.readAllBytes(p));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(key + " " + p + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException(key + " " + p + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new ConfigException(
                    key + " " + p + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private static String hash(Map<Path, byte[]> files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<Path, byte[]> f : files.entrySet()) {
                d.update(f.getKey().toString().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(f.getValue());
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** The DER bytes of every PEM block of {@code type} in {@code text}, in order. */
    static List<byte[]> pemBlocks(String text, String type, String key, Path file) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int b = text.indexOf(begin, from);
            if (b < 0) {
                return out;
            }
            int e = text.indexOf(end, b);
            if (e < 0) {
                throw new ConfigException(key + " " + file + ": a PEM block has no " + end);
            }
            try {
                out.add(Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e)));
            } catch (IllegalArgumentException x) {
                throw new ConfigException(key + " " + file + ": a PEM block is not valid base64");
            }
            from = e + end.length();
        }
    }

    private static List<X509Certificate> certificates(byte[] bytes, String key, Path file) {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : pemBlocks(text, "CERTIFICATE", key, file)) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    key + " " + file + ": a certificate cannot be parsed (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new ConfigException(
                    key + " " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    private static PrivateKey privateKey(byte[] bytes, TlsConfig c, String at, PublicKey pub) {
        String key = at + ".key-file";
        Path file = c.keyFile();
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<byte[]> clear = pemBlocks(text, "PRIVATE KEY", key, file);
        List<byte[]> encrypted = pemBlocks(text, "ENCRYPTED PRIVATE KEY", key, file);
        PKCS8EncodedKeySpec spec;
        if (!encrypted.isEmpty()) {
            if (c.keyPassword() == null) {
                throw new ConfigException(
                        key + " " + file + " is encrypted: set " + at + ".key-password");
            }
            spec = decrypt(encrypted.get(0), c.keyPassword(), key, file, at);
        } else if (!clear.isEmpty()) {
            if (c.keyPassword() != null) {
                throw new ConfigException(
                        key
                                + " "
                                + file
                                + " is not encrypted but "
                                + at
                                + ".key-password is set; remove key-password");
            }
            spec = new PKCS8EncodedKeySpec(clear.get(0));
        } else if (text.contains("-----BEGIN RSA PRIVATE KEY-----")
                || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new ConfigException(
                    key
                            + " "
                            + file
                            + " is a PKCS#1/SEC1 key; expected PKCS#8 (-----BEGIN PRIVATE KEY-----):"
                            + " convert it with openssl pkcs8 -topk8 -nocrypt -in <key>");
        } else {
            throw new ConfigException(
                    key + " " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        try {
            return KeyFactory.getInstance(keyAlgorithm(pub)).generatePrivate(spec);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    key
                            + " "
                            + file
                            + ": not a "
                            + keyAlgorithm(pub)
                            + " private key matching the certificate's ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }

    private static String keyAlgorithm(PublicKey pub) {
        String a = pub.getAlgorithm();
        return a.equals("RSASSA-PSS") ? "RSA" : a;
    }

    private static PKCS8EncodedKeySpec decrypt(
            byte[] der, String password, String key, Path file, String at) {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters params = info.getAlgParameters();
            String alg = info.getAlgName();
            if (alg.equals("PBES2") || alg.equals("1.2.840.113549.1.5.13")) {
                alg = params.toString(); // such as PBEWithHmacSHA256AndAES_256
            }
            SecretKeyFactory f = SecretKeyFactory.getInstance(alg);
            Cipher cipher = Cipher.getInstance(alg);
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    f.generateSecret(new PBEKeySpec(password.toCharArray())),
                    params);
            return info.getKeySpec(cipher);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(
                    key
                            + " "
                            + file
                            + " cannot be decrypted: "
                            + at
                            + ".key-password is wrong or its cipher is not supported ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }

    private static KeyStore pkcs12(byte[] bytes, TlsConfig c, String at) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(bytes), c.keystorePassword().toCharArray());
            return ks;
        } catch (IOException e) {
            throw new ConfigException(
                    at
                            + ".keystore-file "
                            + c.keystoreFile()
                            + " cannot be opened: "
                            + at
                            + ".keystore-password is wrong or the file is not PKCS#12");
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    at
                            + ".keystore-file "
                            + c.keystoreFile()
                            + " cannot be opened ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }

    private static String keyAlias(KeyStore ks, TlsConfig c, String at) {
        try {
            for (Enumeration<String> e = ks.aliases(); e.hasMoreElements(); ) {
                String alias = e.nextElement();
                if (ks.isKeyEntry(alias)
                        && ks.getCertificateChain(alias) != null
                        && ks.getCertificateChain(alias).length > 0) {
                    return alias;
                }
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new ConfigException(
                at
                        + ".keystore-file "
                        + c.keystoreFile()
                        + " holds no private key with its certificate chain");
    }

    /** Whether {@code key} is the private half of {@code pub}. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        if (key instanceof RSAPrivateKey rsa && pub instanceof RSAPublicKey rsaPub) {
            return rsa.getModulus().equals(rsaPub.getModulus());
        }
        String alg =
                switch (pub.getAlgorithm()) {
                    case "EC" -> "SHA256withECDSA";
                    case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
                    default -> null;
                };
        if (alg == null) {
            return key.getAlgorithm().equals(pub.getAlgorithm()); // the handshake checks the rest
        }
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static KeyManagerFactory keyManagers(
            PrivateKey key, List<X509Certificate> chain, String at) {
        try {
            char[] pw = new char[16];
            for (int i = 0; i < pw.length; i++) {
                pw[i] = (char) ('a' + RANDOM.nextInt(26));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            return kmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(
                    at
                            + ": the key and chain cannot be used ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }

    private static TrustManagerFactory trust(List<X509Certificate> cas, String at) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(
                    at
                            + ".client-ca-file: the CA certificates cannot be used ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
    }
}
