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

    /**
     * What went wrong in {@code t}, for an answer: the message of its innermost cause that has one,
     * never a class name or a stack trace ("no detail" when there is no message).
     */
    static String describe(Throwable t) {
        String found = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                found = c.getMessage();
            }
        }
        if (found == null) {
            return "no detail";
        }
        // a wrapped cause's message often starts with its class name: "x.y.SomeException: ..."
        return found.replaceAll("^([a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(Exception|Error): ", "");
    }
}
