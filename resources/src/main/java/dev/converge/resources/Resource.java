package dev.converge.resources;

/**
 * A managed piece of host state, modelled on mgmt's Res: it {@link #watch watches} for drift and
 * answers {@link #checkApply checkApply}.
 *
 * <p>Threading: the engine calls {@code watch} and {@code checkApply} on virtual threads of their
 * own, possibly at the same time, and never two {@code checkApply} calls of one resource at once.
 * It stops either call by interrupting its thread: an implementation returns promptly on
 * interrupt (throwing {@link InterruptedException} is fine) and leaves no child process behind.
 *
 * <p>Everything a resource may use from the engine comes through the {@link ResourceContext};
 * a resource holds no global state.
 */
public interface Resource {

    /** The resource's identity, {@code kind[name]}. */
    ResourceId id();

    /**
     * Watches the resource's state until the thread is interrupted, calling
     * {@link ResourceContext#event()} whenever the state may have drifted. Calls
     * {@link ResourceContext#running()} once the watch is in place; the engine runs the first
     * {@code checkApply} only after that (or after the watch failed), so no drift between the
     * first check and the watch goes unseen.
     *
     * <p>The default watches nothing: it reports running and waits to be interrupted.
     *
     * @throws Exception when watching fails; the engine treats it as an error of this resource
     */
    default void watch(ResourceContext ctx) throws Exception {
        ctx.running();
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Whether {@link #watch} can ever report an event. The engine never calls {@code watch}, and
     * so keeps no thread, for a resource that answers false. The default is true.
     */
    default boolean watches() {
        return true;
    }

    /**
     * Checks whether the resource is in its desired state and, if it is not and {@code apply}
     * is true, puts it there.
     *
     * @return {@link CheckResult#ok()} when nothing was (or, with {@code apply} false, would be)
     *     changed; otherwise the changes made or that would be made
     * @throws ResourceException when the check or the change fails
     * @throws InterruptedException when the engine stops the call
     */
    CheckResult checkApply(ResourceContext ctx, boolean apply)
            throws ResourceException, InterruptedException;
}
