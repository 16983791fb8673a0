package io.ferry.gateway.security;

import java.util.Objects;

/**
 * The outcome of authenticating one request: a principal, or why not; immutable, any thread.
 * Successful verdicts are made once per API key, per verified JWT and per TLS session, and handed
 * out again: a request that authenticates allocates nothing here.
 *
 * @param method the method that decided ({@code null} when no credential was sent)
 * @param principal the caller, or null when refused
 * @param failure why it was refused, or null when authenticated
 * @param message for people: what was wrong and what is accepted; never the credential
 */
public record Verdict(
        AuthConfig.Method method, Principal principal, AuthFailure failure, String message) {
    /** Validates: a principal or a failure. */
    public Verdict {
        if ((principal == null) == (failure == null)) {
            throw new IllegalArgumentException("a principal or a failure");
        }
        if (failure != null) {
            Objects.requireNonNull(message, "message");
        }
    }

    /** Authenticated as {@code p} by {@code m}. */
    public static Verdict ok(AuthConfig.Method m, Principal p) {
        return new Verdict(Objects.requireNonNull(m, "method"), p, null, null);
    }

    /** Refused by {@code m} (null: no credentials), saying why. */
    public static Verdict refused(AuthConfig.Method m, AuthFailure f, String message) {
        return new Verdict(m, null, Objects.requireNonNull(f, "failure"), message);
    }

    /** True when authenticated. */
    public boolean ok() {
        return principal != null;
    }

    /** True when the caller sent a token (a JWT or an API key) that was refused. */
    public boolean invalidToken() {
        return failure != null
                && (method == AuthConfig.Method.JWT || method == AuthConfig.Method.API_KEY);
    }

    /** The method's name in metrics: its wire name, or {@code none}. */
    public String methodLabel() {
        return method == null ? "none" : method.wireName();
    }

    /** The outcome's name in metrics: {@code success} or the failure's wire name. */
    public String outcomeLabel() {
        return failure == null ? "success" : failure.wireName();
    }
}
