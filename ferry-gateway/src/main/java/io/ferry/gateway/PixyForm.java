package io.ferry.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of a query string or an {@code application/x-www-form-urlencoded} body as
 * kafka-pixy reads them, with the values byte-exact; immutable once parsed, any thread.
 *
 * <p>kafka-pixy (Go's {@code url.ParseQuery}) splits on {@code &}, decodes {@code %XX} escapes to
 * bytes and {@code +} to a space, and stores the bytes as they are (a key or a {@code msg} need not
 * be UTF-8). A name without {@code =} is present with an empty value ({@code ?sync}). Where Go
 * silently drops a pair with a malformed escape (so a {@code key=%zz} became a message without a
 * key), this answers 400 naming the parameter, and only for the parameters the listener reads.
 */
final class PixyForm {
    private final List<String> rawNames;
    private final List<String> rawValues;

    private PixyForm(List<String> rawNames, List<String> rawValues) {
        this.rawNames = rawNames;
        this.rawValues = rawValues;
    }

    /** The parameters of {@code text} (a raw query string, or a form body as ISO-8859-1). */
    static PixyForm parse(String text) {
        List<String> names = new ArrayList<>(4);
        List<String> values = new ArrayList<>(4);
        if (text != null) {
            int i = 0;
            int len = text.length();
            while (i <= len) {
                int amp = text.indexOf('&', i);
                if (amp < 0) {
                    amp = len;
                }
                if (amp > i) {
                    int eq = text.indexOf('=', i);
                    if (eq < 0 || eq > amp) {
                        names.add(text.substring(i, amp));
                        values.add("");
                    } else {
                        names.add(text.substring(i, eq));
                        values.add(text.substring(eq + 1, amp));
                    }
                }
                i = amp + 1;
            }
        }
        return new PixyForm(names, values);
    }

    /** The parameters of a form body's bytes. */
    static PixyForm parse(byte[] body) {
        // ISO-8859-1 maps each byte to one char, so decoding the escapes gives the bytes back
        return parse(new String(body, StandardCharsets.ISO_8859_1));
    }

    /** True when {@code name} is present, with or without a value. */
    boolean has(String name) {
        return index(name) >= 0;
    }

    /**
     * The bytes of the first value of {@code name}, or null when absent.
     *
     * @throws ApiException 400 naming the parameter when its value has a malformed %-escape
     */
    byte[] bytes(String name, String where) {
        int i = index(name);
        if (i < 0) {
            return null;
        }
        byte[] b = decode(rawValues.get(i));
        if (b == null) {
            throw ApiException.badRequest(
                    "invalid_request",
                    where
                            + " '"
                            + name
                            + "' has a malformed %-escape (a % must be followed by two hex"
                            + " digits; send a % itself as %25)");
        }
        return b;
    }

    /** How many times {@code name} is present (Go's {@code len(r.Form[name])}). */
    int count(String name) {
        int n = 0;
        for (int i = 0; i < rawNames.size(); i++) {
            if (named(i, name)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The first value of {@code name} as text (UTF-8), or null when absent.
     *
     * @throws ApiException 400 naming the parameter when its value has a malformed %-escape
     */
    String text(String name, String where) {
        byte[] b = bytes(name, where);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private int index(String name) {
        for (int i = 0; i < rawNames.size(); i++) {
            if (named(i, name)) {
                return i;
            }
        }
        return -1;
    }

    private boolean named(int i, String name) {
        String raw = rawNames.get(i);
        if (raw.equals(name)) {
            return true;
        }
        if (raw.indexOf('%') >= 0 || raw.indexOf('+') >= 0) {
            byte[] decoded = decode(raw);
            return decoded != null && new String(decoded, StandardCharsets.UTF_8).equals(name);
        }
        return false;
    }

    /**
     * {@code %XX} to its byte, {@code +} to a space, other chars as their byte; null: malformed.
     */
    static byte[] decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                int hi = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c <= 0xff) {
                // one char per byte: Netty reads the request line, and parse(byte[]) the body,
                // as ISO-8859-1
                out.write(c);
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
            }
        }
        return out.toByteArray();
    }
}
