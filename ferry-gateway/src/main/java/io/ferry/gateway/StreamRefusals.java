package io.ferry.gateway;

import io.ferry.gateway.grpc.v1.ConsumeResponse;
import io.ferry.gateway.grpc.v1.Error;

/**
 * The refused items of one consume-stream client frame's acknowledgements (or releases), answered
 * with one error frame; one stream's event-loop thread.
 */
final class StreamRefusals {
    private final String what;
    private int items;
    private int refused;
    private ConsumeRefused first;

    /** {@code what}: the items, plural, as the message names them ("acknowledgements"). */
    StreamRefusals(String what) {
        this.what = what;
    }

    /** One more item. */
    void item() {
        items++;
    }

    /** The last item was refused. */
    void refused(ConsumeRefused r) {
        refused++;
        if (first == null) {
            first = r;
        }
    }

    /**
     * The error frame (the first refusal's code; how many of how many were refused when more than
     * one item came), or null when none was refused.
     */
    ConsumeResponse frame() {
        if (first == null) {
            return null;
        }
        String message =
                items == 1
                        ? first.getMessage()
                        : refused
                                + " of "
                                + items
                                + " "
                                + what
                                + " refused; the first: "
                                + first.getMessage();
        return ConsumeResponse.newBuilder()
                .setError(
                        Error.newBuilder()
                                .setCode(ConsumeRefused.wireName(first.code))
                                .setMessage(message))
                .build();
    }
}
