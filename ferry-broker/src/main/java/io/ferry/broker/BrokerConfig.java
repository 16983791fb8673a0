package io.ferry.broker;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named broker configuration section: a type and its settings; the settings are read by one
 * factory on one thread.
 *
 * <p>Values may be strings (as from a properties file or the command line) or numbers and booleans
 * (as from YAML). The typed getters parse them and fail with a {@link BrokerConfigException} that
 * names the setting, the value and what is accepted. Every setting read is remembered, so that
 * {@link #unreadSettings()} can tell which given settings no factory knows.
 */
public final class BrokerConfig {
    /** The type used when a configuration names none. */
    public static final String DEFAULT_TYPE = "memory";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-zA-Z]*)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h)?");

    private final String type;
    private final Map<String, Object> settings;
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    private BrokerConfig(String type, Map<String, ?> settings) {
        this.type = type == null || type.isBlank() ? DEFAULT_TYPE : type.trim();
        Map<String, Object> copy = new LinkedHashMap<>();
        settings.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "setting name"), v));
        this.settings = Collections.unmodifiableMap(copy);
    }

    /**
     * A configuration of {@code type} (null or blank: {@value #DEFAULT_TYPE}) with these settings.
     */
    public static BrokerConfig of(String type, Map<String, ?> settings) {
        return new BrokerConfig(type, settings);
    }

    /** A configuration of {@code type} with every setting at its default. */
    public static BrokerConfig of(String type) {
        return new BrokerConfig(type, Map.of());
    }

    /** The broker type name. */
    public String type() {
        return type;
    }

    /** The given settings, unmodifiable. */
    public Map<String, Object> settings() {
        return settings;
    }

    /** Given settings that no getter has read, sorted. */
    public Set<String> unreadSettings() {
        Set<String> unread = new TreeSet<>(settings.keySet());
        unread.removeAll(read);
        return unread;
    }

    /** A string setting, or {@code defaultValue} when absent. */
    public String getString(String name, String defaultValue) {
        Object v = raw(name);
        return v == null ? defaultValue : v.toString().trim();
    }

    /** A boolean setting ({@code true}/{@code false}), or {@code defaultValue} when absent. */
    public boolean getBoolean(String name, boolean defaultValue) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw bad(name, v, "true or false");
    }

    /** An integer setting within {@code [min, max]}, or {@code defaultValue} when absent. */
    public int getInt(String name, int defaultValue, int min, int max) {
        return (int) getLong(name, defaultValue, min, max);
    }

    /** A long setting within {@code [min, max]}, or {@code defaultValue} when absent. */
    public long getLong(String name, long defaultValue, long min, long max) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        long n;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            n = ((Number) v).longValue();
        } else {
            try {
                n = Long.parseLong(v.toString().trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw bad(name, v, "an integer between " + min + " and " + max);
            }
        }
        return inRange(name, v, n, min, max, "an integer");
    }

    /**
     * A size in bytes within {@code [min, max]}: a number of bytes, or a number with a unit {@code
     * B, KB, MB, GB} (powers of 1000) or {@code KiB, MiB, GiB} (powers of 1024).
     */
    public long getBytes(String name, long defaultValue, long min, long max) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Integer || v instanceof Long) {
            return inRange(name, v, ((Number) v).longValue(), min, max, "a size");
        }
        Matcher m = SIZE.matcher(v.toString().trim());
        if (!m.matches()) {
            throw bad(name, v, "a size such as 1048576, 64MiB or 100MB");
        }
        long unit =
                switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "", "b" -> 1L;
                    case "kb" -> 1000L;
                    case "mb" -> 1000L * 1000;
                    case "gb" -> 1000L * 1000 * 1000;
                    case "kib" -> 1L << 10;
                    case "mib" -> 1L << 20;
                    case "gib" -> 1L << 30;
                    default -> throw bad(name, v, "a size unit of B, KB, MB, GB, KiB, MiB or GiB");
                };
        try {
            return inRange(
                    name,
                    v,
                    Math.multiplyExact(Long.parseLong(m.group(1)), unit),
                    min,
                    max,
                    "a size");
        } catch (ArithmeticException | NumberFormatException e) {
            throw bad(name, v, "a size of at most " + max + " bytes");
        }
    }

    /**
     * A duration: a number of milliseconds, or a number with a unit {@code ns, us, ms, s, m, h}.
     */
    public Duration getDuration(String name, Duration defaultValue, Duration min, Duration max) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(v.toString().trim());
        if (!m.matches()) {
            throw bad(
                    name, v, "a duration such as 250ms, 5s or 1m (a bare number is milliseconds)");
        }
        Duration d;
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2);
            d =
                    switch (unit) {
                        case "ns" -> Duration.ofNanos(n);
                        case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    };
        } catch (ArithmeticException | NumberFormatException e) {
            throw bad(name, v, "a duration of at most " + max);
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw bad(name, v, "a duration between " + min + " and " + max);
        }
        return d;
    }

    private Object raw(String name) {
        read.add(name);
        return settings.get(name);
    }

    private long inRange(String name, Object raw, long n, long min, long max, String what) {
        if (n < min || n > max) {
            throw bad(name, raw, what + " between " + min + " and " + max);
        }
        return n;
    }

    private BrokerConfigException bad(String name, Object value, String accepted) {
        return new BrokerConfigException(
                "broker type '"
                        + type
                        + "': setting '"
                        + name
                        + "' is '"
                        + value
                        + "'; expected "
                        + accepted);
    }

    @Override
    public String toString() {
        return "BrokerConfig{type=" + type + ", settings=" + settings + "}";
    }
}
