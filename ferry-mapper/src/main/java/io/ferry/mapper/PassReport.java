package io.ferry.mapper;

/**
 * Counts the outcomes of one reassignment so that failures are logged as one line per pass, not one
 * per worker; only accessed by the owner thread.
 */
@SuppressWarnings("EnumOrdinal") // failures[] is a dense counter per Failure: no map per pass
final class PassReport {

    /** Why a worker was not (re)assigned in this pass. */
    enum Failure {
        RESOLVE_FAILED("resolve failed"),
        NO_NODE("no node"),
        SPAWN_FAILED("executor spawn failed"),
        REFUSED("hand-over refused");

        final String text;

        Failure(String text) {
            this.text = text;
        }
    }

    int attempts;
    int assigned;
    private final int[] failures = new int[Failure.values().length];
    private int failed;
    private String first;

    void reset() {
        attempts = 0;
        assigned = 0;
        failed = 0;
        first = null;
        java.util.Arrays.fill(failures, 0);
    }

    void fail(Failure failure, Object worker, Object detail) {
        failures[failure.ordinal()]++;
        failed++;
        if (first == null) {
            first =
                    "worker "
                            + worker
                            + ": "
                            + failure.text
                            + (detail == null ? "" : " (" + detail + ")");
        }
    }

    int failed() {
        return failed;
    }

    /** One operator line: what failed, for how many, what happens next. */
    String failureLine(long retryBackoffNanos) {
        StringBuilder line =
                new StringBuilder(160)
                        .append("mapper: ")
                        .append(failed)
                        .append(" of ")
                        .append(attempts)
                        .append(" workers not (re)assigned (");
        String sep = "";
        for (Failure f : Failure.values()) {
            if (failures[f.ordinal()] > 0) {
                line.append(sep).append(f.text).append(' ').append(failures[f.ordinal()]);
                sep = ", ";
            }
        }
        return line.append("); each keeps its current executor, if it has one, and is retried in ")
                .append(retryBackoffNanos / 1_000_000)
                .append(" ms; first: ")
                .append(first)
                .toString();
    }
}
