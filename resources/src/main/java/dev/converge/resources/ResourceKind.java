package dev.converge.resources;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

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

    /**
     * The paths a validated declaration provides and needs, for autoedges. It may ask the host
     * (a package's file list, say); the engine calls it once per graph load. None by default.
     */
    default PathHints pathHints(String name, P params) {
        return PathHints.NONE;
    }

    /**
     * The local accounts a validated declaration creates, uses or removes, for autoedges and for
     * the loader's check that no resource uses an account the graph removes. Computed from the
     * declaration alone, never from the host, so the loader may call it for every resource. None
     * by default.
     */
    default AccountHints accountHints(String name, P params) {
        return AccountHints.NONE;
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default AccountHints accountHintsOf(String name, Record params) {
        return accountHints(name, paramsType().cast(params));
    }

    /**
     * The one path a valid declaration of this kind owns, which no other resource of the kind may
     * declare too (a file resource's path); empty, the default, owns none.
     */
    default Optional<Path> managedPath(String name, P params) {
        return Optional.empty();
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default Optional<Path> managedPathOf(String name, Record params) {
        return managedPath(name, paramsType().cast(params));
    }

    /**
     * Resources of this kind with equal keys may be merged into one vertex that does their work
     * in one go (autogroup); empty, the default, never groups.
     */
    default Optional<String> groupKey(String name, P params) {
        return Optional.empty();
    }

    /**
     * The resource of a merged vertex: it does what each member would, together.
     *
     * @param members name to parameters, at least two, all with the same {@link #groupKey}
     * @throws IllegalStateException when this kind does not group
     */
    default Resource createGroup(SequencedMap<String, P> members) {
        throw new IllegalStateException("kind " + name() + " does not group resources");
    }

    /**
     * Named semaphores (as in {@code meta.sema}) every resource of this kind holds while it
     * applies, in addition to its own; e.g. one package-manager transaction at a time.
     */
    default List<String> implicitSemaphores() {
        return List.of();
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default PathHints pathHintsOf(String name, Record params) {
        return pathHints(name, paramsType().cast(params));
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default Optional<String> groupKeyOf(String name, Record params) {
        return groupKey(name, paramsType().cast(params));
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and records. */
    default Resource createGroupFrom(SequencedMap<String, ? extends Record> members) {
        var typed = new java.util.LinkedHashMap<String, P>();
        members.forEach((name, params) -> typed.put(name, paramsType().cast(params)));
        return createGroup(typed);
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default List<Problem> validateRecord(String name, Record params) {
        return validate(name, paramsType().cast(params));
    }

    /** Unchecked cast helper for callers that hold a {@code ResourceKind<?>} and a record. */
    default Resource createFrom(String name, Record params) {
        return create(name, paramsType().cast(params));
    }
}
