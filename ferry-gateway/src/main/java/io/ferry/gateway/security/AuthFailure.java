package io.ferry.gateway.security;

/**
 * Why a caller was not authenticated: a code for metrics and answers (its {@link #wireName}), the
 * message a refusal carries says more. Never carries the credential.
 */
public enum AuthFailure {
    /** No {@code Authorization}, no {@code X-API-Key}, no client certificate. */
    NO_CREDENTIALS,
    /** A credential of a kind the listener does not accept (a scheme other than Bearer, ...). */
    METHOD_NOT_ACCEPTED,
    /** A bearer token that is not a JWT (three base64url parts, JSON header and claims). */
    MALFORMED_TOKEN,
    /** The JWT's signature does not verify against the configured keys (or no key fits). */
    BAD_SIGNATURE,
    /** The JWT's {@code exp} has passed (beyond the leeway). */
    EXPIRED,
    /** The JWT's {@code nbf} has not come yet (beyond the leeway). */
    NOT_YET_VALID,
    /** The JWT's {@code aud} names none of the audiences configured. */
    WRONG_AUDIENCE,
    /** The JWT's {@code iss} is not the issuer configured. */
    WRONG_ISSUER,
    /** The JWT has no usable principal claim. */
    NO_PRINCIPAL,
    /** An API key that is not in the file (never was, or was revoked). */
    UNKNOWN_API_KEY,
    /** The client certificate has no value where the principal is configured to come from. */
    CERTIFICATE_WITHOUT_PRINCIPAL;

    /** Its name in answers and metrics: {@code no_credentials}, {@code expired}, ... */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
