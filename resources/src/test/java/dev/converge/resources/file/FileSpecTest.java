package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileSpecTest {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "/a/b", "/a/b/", "/.hidden", "/a/..b", "/a/b.", "/...", "/a/.../b"})
    void normalPaths(String path) {
        assertThat(FileSpec.isNormal(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"//", "/a//b", "/./a", "/a/.", "/a/./", "/a/..", "/../a", "/a/../b", "/a//"})
    void pathsThatAreNotNormal(String path) {
        assertThat(FileSpec.isNormal(path)).isFalse();
    }
}
