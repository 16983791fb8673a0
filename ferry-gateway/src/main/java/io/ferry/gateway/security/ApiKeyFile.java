package io.ferry.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API key file's format: one key per line, {@code <principal> sha256:<64 hex> [group,group]};
 * {@code #} starts a comment, blank lines are skipped. Only the SHA-256 of each key is stored: the
 * keys are random (see {@link #newKey}), so a fast hash is as good as a slow one and costs a
 * microsecond per request. Stateless.
 *
 * <pre>
 * # owner     hash of the key                                                          groups
 * alice       sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  billing,ops
 * </pre>
 */
public final class ApiKeyFile {
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._@:/+=-]+");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._@:/+=-]+");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-fA-F]{64}");
    private static final String KEY_PREFIX = "ferry_";
    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(ApiKeyFile::sha256);

    private ApiKeyFile() {}

    /** A line of the file that cannot be used; the message is {@code file:line: what is wrong}. */
    public static final class BadLine extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    /** One key: its hash and the verdict of a request that presents it. */
    // never compared or hashed as a whole: looked up by the hash's hex, the hash compared by
    // content
    @SuppressWarnings("ArrayRecordComponent")
    record Entry(byte[] hash, Verdict verdict) {}

    /**
     * Parses the file's {@code lines} (named {@code file} in errors) into a map from the hex of
     * each key's hash.
     *
     * @throws BadLine naming the file and line of the first bad line (never echoing its hash)
     */
    static Map<String, Entry> parse(List<String> lines, String file) {
        Map<String, Entry> keys = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash < 0 ? line : line.substring(0, hash)).trim();
            if (text.isEmpty()) {
                continue;
            }
            String at = file + ":" + (i + 1) + ": ";
            String[] parts = text.split("\\s+", -1);
            if (parts.length < 2 || parts.length > 3) {
                throw new BadLine(
                        at
                                + "expected '<principal> sha256:<64 hex digits> [group,group]';"
                                + " found "
                                + parts.length
                                + " fields");
            }
            if (!PRINCIPAL.matcher(parts[0]).matches()) {
                throw new BadLine(
                        at
                                + "the principal '"
                                + parts[0]
                                + "' has characters other than letters, digits and ._@:/+=-");
            }
            if (!HASH.matcher(parts[1]).matches()) {
                throw new BadLine(
                        at
                                + "the second field must be sha256: and 64 hex digits (the SHA-256"
                                + " of the key, as `ferry api-key` prints it), not the key itself");
            }
            Set<String> groups = new LinkedHashSet<>();
            if (parts.length == 3) {
                for (String g : parts[2].split(",", -1)) {
                    if (!GROUP.matcher(g).matches()) {
                        throw new BadLine(
                                at
                                        + "the groups must be names separated by commas (no"
                                        + " spaces); found '"
                                        + parts[2]
                                        + "'");
                    }
                    groups.add(g);
                }
            }
            String hex = parts[1].substring("sha256:".length()).toLowerCase(java.util.Locale.ROOT);
            Verdict v =
                    Verdict.ok(
                            AuthConfig.Method.API_KEY,
                            new Principal(parts[0], groups, AuthConfig.Method.API_KEY.wireName()));
            if (keys.put(hex, new Entry(HexFormat.of().parseHex(hex), v)) != null) {
                throw new BadLine(at + "the same key hash is listed twice");
            }
        }
        return keys;
    }

    /** The SHA-256 of {@code key} (its UTF-8 bytes). Any thread. */
    public static byte[] hash(String key) {
        MessageDigest d = SHA256.get();
        d.reset();
        return d.digest(key.getBytes(StandardCharsets.UTF_8));
    }

    /** A new random key: {@code ferry_} and 43 base64url characters (256 bits). */
    public static String newKey(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The file's line for {@code key}: {@code <principal> sha256:<hex> [groups]}. */
    public static String line(String principal, String key, List<String> groups) {
        if (!PRINCIPAL.matcher(principal).matches()) {
            throw new IllegalArgumentException(
                    "the principal '" + principal + "' may have letters, digits and ._@:/+=- only");
        }
        for (String g : groups) {
            if (!GROUP.matcher(g).matches()) {
                throw new IllegalArgumentException(
                        "the group '" + g + "' may have letters, digits and ._@:/+=- only");
            }
        }
        return principal
                + " sha256:"
                + HexFormat.of().formatHex(hash(key))
                + (groups.isEmpty() ? "" : " " + String.join(",", groups));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
