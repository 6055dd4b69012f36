package dev.converge.bench;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The summary of one tool on one workload.
 *
 * @param workload     the workload's name
 * @param tool         the tool
 * @param samples      the timed runs, in order
 * @param idealSeconds the workload's ideal, if it has one
 */
public record Result(String workload, Tool tool, List<Sample> samples, OptionalDouble idealSeconds) {

    public Result {
        samples = List.copyOf(samples);
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples for " + workload + "/" + tool.label());
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
}
