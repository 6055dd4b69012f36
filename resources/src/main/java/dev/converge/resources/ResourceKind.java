package dev.converge.resources;

import java.util.List;

/**
 * A kind of resource ({@code exec}, {@code file}, ...): the type of its parameters, their
 * defaults, their validation and the factory of its resources.
 *
 * <p>Parameters are an immutable record whose component names are the field names of the graph
 * file. A field left out of a declaration takes the value it has in {@link #defaults()}.
 *
 * @param <P> the kind's parameter record
 */
public interface ResourceKind<P extends Record> {

    /** The kind's name as written in graph files, e.g. {@code "exec"}. */
    String name();

    /** The record class of the kind's parameters. */
    Class<P> paramsType();

    /** The parameters of a declaration that sets no field. */
    P defaults();

    /**
     * Checks a declaration's parameters. Errors make the graph invalid; warnings (legacy or
     * ignored fields) are reported and the graph still loads.
     */
    List<Problem> validate(String name, P params);

    /** Creates the resource of a declaration that {@link #validate} found no error in. */
    Resource create(String name, P params);

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default List<Problem> validateRecord(String name, Record params) {
        return validate(name, paramsType().cast(params));
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default Resource createFrom(String name, Record params) {
        return create(name, paramsType().cast(params));
    }
}
