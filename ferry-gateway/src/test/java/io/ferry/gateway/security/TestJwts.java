package io.ferry.gateway.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWTs made by hand with the JDK's crypto for the tests (independent of the library that verifies
 * them): HS256 with a secret, RS256 and ES256 with generated key pairs, and their JWKS.
 */
public final class TestJwts {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private TestJwts() {}

    /** An RSA key pair (2048 bits). */
    public static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An EC key pair on P-256. */
    public static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWK of an RS256 key. */
    public static JsonObject rsaJwk(KeyPair k, String kid) {
        RSAPublicKey p = (RSAPublicKey) k.getPublic();
        return new JsonObject()
                .put("kty", "RSA")
                .put("kid", kid)
                .put("use", "sig")
                .put("alg", "RS256")
                .put("n", B64.encodeToString(unsigned(p.getModulus(), 0)))
                .put("e", B64.encodeToString(unsigned(p.getPublicExponent(), 0)));
    }

    /** The public JWK of an ES256 key. */
    public static JsonObject ecJwk(KeyPair k, String kid) {
        ECPublicKey p = (ECPublicKey) k.getPublic();
        return new JsonObject()
                .put("kty", "EC")
                .put("kid", kid)
                .put("use", "sig")
                .put("alg", "ES256")
                .put("crv", "P-256")
                .put("x", B64.encodeToString(unsigned(p.getW().getAffineX(), 32)))
                .put("y", B64.encodeToString(unsigned(p.getW().getAffineY(), 32)));
    }

    /** A JWKS of {@code keys}. */
    public static JsonObject jwks(JsonObject... keys) {
        return new JsonObject().put("keys", new JsonArray(Arrays.asList((Object[]) keys)));
    }

    /** An HS256 token of {@code claims}. */
    public static String hs256(String secret, JsonObject claims) {
        String input = input(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return input + "." + B64.encodeToString(mac.doFinal(ascii(input)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RS256 token of {@code claims}, header {@code kid}. */
    public static String rs256(KeyPair k, String kid, JsonObject claims) {
        return signed("RS256", "SHA256withRSA", k, kid, claims);
    }

    /** An ES256 token of {@code claims} (JOSE's r||s signature), header {@code kid}. */
    public static String es256(KeyPair k, String kid, JsonObject claims) {
        return signed("ES256", "SHA256withECDSAinP1363Format", k, kid, claims);
    }

    /** An unsigned token ({@code alg: none}). */
    public static String none(JsonObject claims) {
        return input(new JsonObject().put("alg", "none").put("typ", "JWT"), claims) + ".";
    }

    private static String signed(String alg, String jca, KeyPair k, String kid, JsonObject claims) {
        String input =
                input(new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", kid), claims);
        try {
            Signature s = Signature.getInstance(jca);
            s.initSign(k.getPrivate());
            s.update(ascii(input));
            return input + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String input(JsonObject header, JsonObject claims) {
        return B64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8))
                + "."
                + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code v} big-endian without the sign byte, left-padded to {@code size} (0: as it is). */
    private static byte[] unsigned(BigInteger v, int size) {
        byte[] b = v.toByteArray();
        if (b.length > 1 && b[0] == 0) {
            b = Arrays.copyOfRange(b, 1, b.length);
        }
        if (size > b.length) {
            byte[] p = new byte[size];
            System.arraycopy(b, 0, p, size - b.length, b.length);
            return p;
        }
        return b;
    }
}
