package dev.converge.bench;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The summary of one tool on one workload.
 *
 * <p>Invariants: {@code samples} is a non-empty immutable copy; {@code spawns}, when present, is at
 * least 1.
 *
 * @param workload     the workload's name
 * @param tool         the tool
 * @param samples      the timed runs, in order
 * @param idealSeconds the workload's ideal, if it has one
 * @param spawns       the commands one run spawns, when the workload gives a per-spawn figure
 */
public record Result(String workload, Tool tool, List<Sample> samples, OptionalDouble idealSeconds,
                     OptionalInt spawns) {

    public Result {
        samples = List.copyOf(samples);
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples for " + workload + "/" + tool.label());
        }
        if (spawns.isPresent() && spawns.getAsInt() < 1) {
            throw new IllegalArgumentException(workload + ": spawns must be >= 1, not " + spawns.getAsInt());
        }
    }

    /** The median wall time; the mean of the two middle runs when the count is even. */
    public double medianSeconds() {
        return median(samples.stream().mapToDouble(Sample::wallSeconds).sorted().toArray());
    }

    /** The median of the agent's own in-process times; NaN when the tool reports none. */
    public double medianInProcessSeconds() {
        return median(samples.stream().mapToDouble(Sample::inProcessSeconds).sorted().toArray());
    }

    /** The best (smallest) of the agent's own in-process times; NaN when the tool reports none. */
    public double minInProcessSeconds() {
        return samples.stream().mapToDouble(Sample::inProcessSeconds).min().orElseThrow();
    }

    private static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public double minSeconds() {
        return samples.stream().mapToDouble(Sample::wallSeconds).min().orElseThrow();
    }

    public double maxSeconds() {
        return samples.stream().mapToDouble(Sample::wallSeconds).max().orElseThrow();
    }

    /** The largest peak RSS over the runs, in MiB. */
    public double peakRssMib() {
        return samples.stream().mapToLong(Sample::peakRssKb).max().orElseThrow() / 1024.0;
    }

    /**
     * The best run's time per spawned command, in microseconds: converge's best in-process time (JVM
     * start and exit left out), or another tool's best wall time, divided by {@link #spawns()}. NaN
     * when the workload gives no per-spawn figure.
     */
    public double bestMicrosPerSpawn() {
        if (spawns.isEmpty()) {
            return Double.NaN;
        }
        double best = tool == Tool.CONVERGE ? minInProcessSeconds() : minSeconds();
        return best / spawns.getAsInt() * 1e6;
    }
}
