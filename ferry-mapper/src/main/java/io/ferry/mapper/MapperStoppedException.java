package io.ferry.mapper;

/** Thrown by a call on a mapper that has stopped, or by a new worker on one that is stopping. */
public class MapperStoppedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** With a message saying which call was refused and why. */
    public MapperStoppedException(String message) {
        super(message);
    }

    /** With a message and the failure that stopped the mapper. */
    public MapperStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
