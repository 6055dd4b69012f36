package dev.converge.agent.report;


/** How {@code agent run} writes the engine's events: {@code --output=streamed|grouped}. */
public enum OutputMode {
    /** Each line as it happens, prefixed with its resource. */
    STREAMED,
    /** Each check's lines together, when it ends. */
    GROUPED;

    /** A new reporter for one run. */
    public Reporter reporter() {
        return switch (this) {
            case STREAMED -> new LogReporter();
            case GROUPED -> new GroupedReporter();
        };
    }
}
