package dev.converge.bench.micro;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the graph vertices a benchmark handled. JMH reports the counter as the secondary
 * result {@code :vertices} in the benchmark's mode and unit, so next to the time per call
 * (per graph) each benchmark prints its time per vertex.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Vertices {

    /** Vertices handled in the current iteration. */
    public long vertices;

    /** Each iteration counts from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        vertices = 0;
    }
}
