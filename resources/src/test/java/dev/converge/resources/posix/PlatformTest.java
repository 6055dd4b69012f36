package dev.converge.resources.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link Platform} accepts, and what it says to the rest. */
class PlatformTest {

    @Test
    void linuxOnX86AndArmIsAccepted() {
        assertThat(Platform.unsupported("Linux", "amd64")).isEmpty();
        assertThat(Platform.unsupported("Linux", "aarch64")).isEmpty();
    }

    @Test
    void anotherSystemOrMachineIsNamedInTheError() {
        assertThat(Platform.unsupported("Mac OS X", "aarch64")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("converge needs Linux").endsWith("this is Mac OS X"));
        assertThat(Platform.unsupported("Linux", "riscv64")).hasValueSatisfying(m -> assertThat(m)
                .endsWith("this machine is riscv64"));
    }

    @Test
    void glibcFrom234IsAccepted() {
        assertThat(Platform.unsupportedGlibc("2.34")).isEmpty();
        assertThat(Platform.unsupportedGlibc("2.36")).isEmpty();
        assertThat(Platform.unsupportedGlibc("2.40.9000")).isEmpty();
        assertThat(Platform.unsupportedGlibc("3.0")).isEmpty();
    }

    @Test
    void olderOrUnreadableGlibcIsRefused() {
        assertThat(Platform.unsupportedGlibc("2.31")).hasValueSatisfying(m -> assertThat(m)
                .contains("glibc 2.34 or later").endsWith("this is glibc 2.31"));
        assertThat(Platform.unsupportedGlibc("stable")).hasValueSatisfying(m -> assertThat(m)
                .contains("cannot read glibc's version 'stable'"));
    }

    @Test
    void thisMachineRunsTheAgent() {
        assertThat(Platform.unsupported()).as("the tests run on Linux with glibc 2.34 or later").isEmpty();
    }
}
