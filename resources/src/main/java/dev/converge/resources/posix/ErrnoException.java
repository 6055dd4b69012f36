package dev.converge.resources.posix;

import java.io.IOException;

/**
 * A C library call failed. The message is {@code function: description}, e.g.
 * {@code pipe2: Too many open files}; {@link #errno} is the error number it set.
 */
public final class ErrnoException extends IOException {

    private final String function;
    private final int errno;

    public ErrnoException(String function, int errno) {
        super(function + ": " + Libc.describe(errno));
        this.function = function;
        this.errno = errno;
    }

    /** The function that failed, e.g. {@code posix_spawn}. */
    public String function() {
        return function;
    }

    /** The error number, e.g. {@link Libc#ENOENT}. */
    public int errno() {
        return errno;
    }
}
