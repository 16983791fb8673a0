package io.ferry.gateway;

/**
 * A request the gateway refuses, with the HTTP status, a stable machine-readable code and a message
 * for people (what was wrong and what is accepted). Thrown and caught on the handling thread only;
 * carries no stack trace.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }
}
