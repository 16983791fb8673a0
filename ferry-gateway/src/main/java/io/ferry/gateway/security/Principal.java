package io.ferry.gateway.security;

import java.util.Objects;
import java.util.Set;

/**
 * Who an authenticated request is from; immutable, any thread.
 *
 * @param name the principal's name (a certificate's subject or SAN, a JWT's principal claim, an API
 *     key's owner)
 * @param groups the groups it belongs to (a JWT's groups claim, an API key's groups); rules may
 *     name groups instead of principals
 * @param method how it was authenticated: {@code client-cert}, {@code jwt} or {@code api-key}
 */
public record Principal(String name, Set<String> groups, String method) {
    /** Validates; copies the groups. */
    public Principal {
        Objects.requireNonNull(name, "name");
        groups = Set.copyOf(groups);
        Objects.requireNonNull(method, "method");
    }

    @Override
    public String toString() {
        return name;
    }
}
