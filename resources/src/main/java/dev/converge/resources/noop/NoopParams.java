package dev.converge.resources.noop;

/**
 * Parameters of a {@code noop} resource.
 *
 * @param comment free text, shown in the plan; has no effect
 */
public record NoopParams(String comment) {

    public static final NoopParams DEFAULTS = new NoopParams("");
}
