package io.ferry.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;
import java.util.Map;

/**
 * Checks the trust and key stores that the client settings name, when the settings are read;
 * stateless. A missing or unreadable file, or a password that does not open it, fails with a
 * message naming the setting (never the password), instead of a stack trace on the first
 * connection.
 */
final class SecurityStores {
    private SecurityStores() {}

    static void check(Map<String, Object> settings) {
        check(settings, "ssl.truststore", "JKS");
        check(settings, "ssl.keystore", "JKS");
    }

    private static void check(Map<String, Object> settings, String prefix, String defaultType) {
        Object location = settings.get(prefix + ".location");
        if (location == null || location.toString().isBlank()) {
            return;
        }
        String where = prefix + ".location '" + location + "'";
        Path path = Path.of(location.toString().trim());
        Object rawType = settings.get(prefix + ".type");
        String type =
                (rawType == null ? defaultType : rawType.toString().trim())
                        .toUpperCase(Locale.ROOT);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(where + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read: " + e.getMessage());
        }
        if (type.equals("PEM")) {
            if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
                throw new IllegalArgumentException(
                        where + " is not a PEM file (" + prefix + ".type is PEM)");
            }
            return;
        }
        Object password = settings.get(prefix + ".password");
        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    prefix + ".type is '" + type + "'; expected JKS, PKCS12 or PEM");
        }
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            store.load(in, password == null ? null : password.toString().toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            String why =
                    e.getCause() instanceof java.security.UnrecoverableKeyException
                                    || String.valueOf(e.getMessage()).contains("password")
                            ? "the " + prefix + ".password does not open it"
                            : "it is not a " + type + " store (" + prefix + ".type)";
            throw new IllegalArgumentException(where + " cannot be opened: " + why);
        }
    }
}
