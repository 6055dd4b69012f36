package dev.converge.agent.engine;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.MetaParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The permits a checkApply holds: the global {@code --parallel} permit, then the named
 * semaphores of {@code meta.sema} and of a kind's implicit ones, always taken in that one order
 * (global first, then by name), so two workers can never wait for each other.
 *
 * <p>A semaphore's capacity belongs to the current graph: {@link #declare} sets every named
 * semaphore to what the graph declares, growing or shrinking it while permits are held (a shrink
 * takes effect as holders release). Within one graph the first declaration of a name, in
 * declaration order, counts; a different count elsewhere is reported.
 *
 * <p>Threads: {@link #declare} is called by the thread that installs a graph (start or swap), one
 * at a time; {@link #acquire} and {@link #release} by workers, concurrently.
 */
final class Permits {

    /** The name a wait for the global permit is reported under. */
    static final String PARALLEL = "--parallel";

    /** The permits one checkApply holds, in acquisition order. Immutable. */
    record Held(List<Semaphore> semaphores) {}

    /** A semaphore whose capacity can change while permits are held. Resized under its own lock. */
    private static final class Resizable extends Semaphore {

        private int capacity;

        Resizable(int capacity) {
            super(capacity, true);
            this.capacity = capacity;
        }

        synchronized void resize(int next) {
            if (next > capacity) {
                release(next - capacity);
            } else if (next < capacity) {
                reducePermits(capacity - next);
            }
            capacity = next;
        }
    }

    private final Semaphore parallel;
    private final Map<String, Resizable> named = new ConcurrentHashMap<>();

    /** @param parallel the most checkApply calls at once; 0 is unbounded */
    Permits(int parallel) {
        this.parallel = parallel > 0 ? new Semaphore(parallel, true) : null;
    }

    /**
     * Sets every semaphore {@code graph} declares to its declared capacity. Semaphores the graph no
     * longer declares keep theirs; no resource of the graph takes them.
     *
     * @param conflict told of each resource that declares a name with another count than the
     *     declaration that counts
     */
    void declare(GraphSnapshot graph, Consumer<EngineEvent.Message> conflict) {
        var declared = new HashMap<String, MetaParams.Semaphore>();
        var first = new HashMap<String, ResourceSpec>();
        for (ResourceSpec spec : graph.resources().values()) {
            for (MetaParams.Semaphore s : spec.semaphores()) {
                MetaParams.Semaphore counted = declared.putIfAbsent(s.name(), s);
                if (counted == null) {
                    first.put(s.name(), spec);
                } else if (counted.permits() != s.permits()) {
                    conflict.accept(new EngineEvent.Message(spec.id(), true, "semaphore '" + s.name()
                            + "' is declared with " + s.permits() + " permits here but with " + counted.permits()
                            + " by " + first.get(s.name()).id() + "; the first declaration counts"));
                }
            }
        }
        declared.forEach((name, s) -> named.computeIfAbsent(name, n -> new Resizable(s.permits()))
                .resize(s.permits()));
    }

    /**
     * Takes the global permit, then {@code names} (sorted, distinct) in order, blocking for each;
     * {@code waiting} is told the name of each permit that could not be taken at once, before
     * the wait. On interrupt, whatever was taken is released.
     */
    Held acquire(List<String> names, Consumer<String> waiting) throws InterruptedException {
        var held = new ArrayList<Semaphore>(names.size() + 1);
        try {
            if (parallel != null) {
                take(parallel, PARALLEL, waiting);
                held.add(parallel);
            }
            for (String name : names) {
                Semaphore s = named.get(name);
                take(s, name, waiting);
                held.add(s);
            }
        } catch (InterruptedException e) {
            release(new Held(held));
            throw e;
        }
        return new Held(List.copyOf(held));
    }

    private static void take(Semaphore s, String name, Consumer<String> waiting) throws InterruptedException {
        if (!s.tryAcquire()) {
            waiting.accept(name);
            s.acquire();
        }
    }

    /** Gives back what {@link #acquire} took, last first. */
    void release(Held held) {
        held.semaphores().reversed().forEach(Semaphore::release);
    }

    /** Permits of {@code name} free now, or -1 when no graph declared it; for tests. */
    int available(String name) {
        Semaphore s = named.get(name);
        return s == null ? -1 : s.availablePermits();
    }
}
