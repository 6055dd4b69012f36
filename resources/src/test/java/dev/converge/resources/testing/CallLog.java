package dev.converge.resources.testing;

import dev.converge.resources.ResourceId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Every checkApply call of the fake resources of one {@link FakeKind}, in start order. Thread-safe. */
public final class CallLog {

    /**
     * One call: times from {@link System#nanoTime()}; {@code end} is set when it returned;
     * {@code refreshing} is what the context said during the call.
     */
    public record Call(ResourceId id, boolean apply, boolean refreshing, long start, long end, boolean failed) {}

    private final List<Call> calls = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();

    synchronized int begin(ResourceId id, boolean apply, boolean refreshing) {
        calls.add(new Call(id, apply, refreshing, System.nanoTime(), 0, false));
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        return calls.size() - 1;
    }

    synchronized void end(int index, boolean failed) {
        running.decrementAndGet();
        Call c = calls.get(index);
        calls.set(index, new Call(c.id(), c.apply(), c.refreshing(), c.start(), System.nanoTime(), failed));
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Ids in the order their calls started. */
    public synchronized List<String> startOrder() {
        return calls.stream().map(c -> c.id().name()).toList();
    }

    public synchronized List<Call> callsOf(String name) {
        return calls.stream().filter(c -> c.id().name().equals(name)).toList();
    }

    /** The last call of {@code name}; fails if it never ran. */
    public Call last(String name) {
        List<Call> of = callsOf(name);
        if (of.isEmpty()) {
            throw new AssertionError(name + " never ran; calls: " + startOrder());
        }
        return of.getLast();
    }

    public boolean ran(String name) {
        return !callsOf(name).isEmpty();
    }

    /** True when the last calls of {@code a} and {@code b} ran at the same time for a while. */
    public boolean overlapped(String a, String b) {
        Call x = last(a);
        Call y = last(b);
        return x.start() < y.end() && y.start() < x.end();
    }

    /** True when the last call of {@code first} ended before the first call of {@code second} started. */
    public boolean finishedBefore(String first, String second) {
        return last(first).end() <= callsOf(second).getFirst().start();
    }

    /** The most calls that were running at one moment. */
    public int maxConcurrent() {
        return maxRunning.get();
    }
}
