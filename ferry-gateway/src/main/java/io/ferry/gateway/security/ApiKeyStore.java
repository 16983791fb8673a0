package io.ferry.gateway.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys of one listener, from its file ({@link ApiKeyFile}), re-read when the file changes:
 * {@link #lookup} from any thread (event loops), {@link #poll} and {@link #reload} from any thread
 * but an event loop (they read the file; they are serialized: the periodic check and a SIGHUP may
 * meet).
 */
public final class ApiKeyStore {
    /* Design notes
     * The keys are an immutable map published through a volatile field: a lookup reads it once
     * and never waits for a reload. A reload parses the whole file into a new map and swaps it in,
     * so a removed line (a revoked key) stops working at the next check, and a request sees
     * either the old set or the new one, never a mix. A bad file at reload keeps the previous keys
     * (logged with file:line); at start it fails the start.
     * Change detection: poll() re-reads the file's bytes every reload-check-ms (clock injected)
     * and re-parses only when they differ from the last bytes read: no reliance on mtime
     * resolution (a rewrite within one second with the same size is still seen). The files are
     * small (a line per key).
     * Lookup: the SHA-256 of the key presented, its hex looked up in the map, then compared with
     * MessageDigest.isEqual (constant time). The map lookup by hash reveals nothing about a key:
     * only a preimage of a listed hash would match.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStore.class);

    private final Path file;
    private final long checkMs;
    private final LongSupplier clockMs;

    private volatile Map<String, ApiKeyFile.Entry> keys;

    // guarded by this (poll and reload)
    private byte[] lastBytes;
    private long lastCheckMs;

    private ApiKeyStore(Path file, long checkMs, LongSupplier clockMs) {
        this.file = file;
        this.checkMs = checkMs;
        this.clockMs = clockMs;
    }

    /**
     * Reads {@code file}; checks it again every {@code checkMs} by {@code clockMs}.
     *
     * @throws ApiKeyFile.BadLine for a bad line (file:line), or IllegalStateException when the file
     *     cannot be read
     */
    public static ApiKeyStore open(Path file, long checkMs, LongSupplier clockMs) {
        ApiKeyStore s = new ApiKeyStore(file, checkMs, clockMs);
        byte[] bytes = s.read();
        s.keys = parse(bytes, file);
        s.lastBytes = bytes;
        s.lastCheckMs = clockMs.getAsLong();
        LOG.info(
                "API keys: {} keys from {}; checked for changes every {} ms",
                s.keys.size(),
                file,
                checkMs);
        return s;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** The check interval, ms. */
    public long checkMs() {
        return checkMs;
    }

    /** Keys in force now. */
    public int size() {
        return keys.size();
    }

    /** The verdict for a request presenting {@code key}. Any thread; allocation-free on success. */
    public Verdict lookup(String key) {
        byte[] h = ApiKeyFile.hash(key);
        ApiKeyFile.Entry e = keys.get(HexFormat.of().formatHex(h));
        if (e != null && MessageDigest.isEqual(e.hash(), h)) {
            return e.verdict();
        }
        return Verdict.refused(
                AuthConfig.Method.API_KEY,
                AuthFailure.UNKNOWN_API_KEY,
                "the API key is not known (never issued, or revoked)");
    }

    /**
     * Re-reads the file if {@link #checkMs} passed since the last check; true when the keys
     * changed.
     */
    public synchronized boolean poll() {
        long now = clockMs.getAsLong();
        if (now - lastCheckMs < checkMs) {
            return false;
        }
        return reload();
    }

    /**
     * Re-reads the file now (a SIGHUP); true when the keys changed. A file that cannot be read or
     * has a bad line keeps the keys in force (logged).
     */
    public synchronized boolean reload() {
        lastCheckMs = clockMs.getAsLong();
        byte[] bytes;
        try {
            bytes = read();
        } catch (IllegalStateException e) {
            LOG.warn("API keys: {}; keeping the {} keys in force", e.getMessage(), keys.size());
            return false;
        }
        if (Arrays.equals(bytes, lastBytes)) {
            return false;
        }
        Map<String, ApiKeyFile.Entry> next;
        try {
            next = parse(bytes, file);
        } catch (ApiKeyFile.BadLine e) {
            LOG.warn(
                    "API keys: the changed file is refused: {}; keeping the {} keys in force",
                    e.getMessage(),
                    keys.size());
            lastBytes = bytes; // logged once, not at every check
            return false;
        }
        int before = keys.size();
        keys = next;
        lastBytes = bytes;
        LOG.info("API keys: {} re-read: {} keys (were {})", file, next.size(), before);
        return true;
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the API key file " + file + ": " + e, e);
        }
    }

    private static Map<String, ApiKeyFile.Entry> parse(byte[] bytes, Path file) {
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        return Map.copyOf(ApiKeyFile.parse(lines, file.toString()));
    }
}
