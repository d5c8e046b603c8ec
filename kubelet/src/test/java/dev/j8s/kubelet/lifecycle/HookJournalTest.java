package dev.j8s.kubelet.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HookJournal}: what a kubelet that restarts reads back. */
class HookJournalTest {

    @TempDir
    Path pods;

    private final Clock clock = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void aHookStartedAndNeverFinishedIsInterruptedForTheNextKubeletAndAFinishedOneIsNot() {
        HookJournal before = new HookJournal(pods, clock);
        before.started("uid-1", "c1", Hook.POST_START);
        before.finished("uid-1", "c1", Hook.POST_START, HookJournal.State.SUCCEEDED);
        before.started("uid-1", "c2", Hook.POST_START);
        before.started("uid-1", "c2", Hook.PRE_STOP);

        HookJournal after = new HookJournal(pods, clock); // a new process reads the file
        assertThat(after.interrupted("uid-1", Hook.POST_START)).containsExactly("c2");
        assertThat(after.interrupted("uid-1", Hook.PRE_STOP)).containsExactly("c2");
        assertThat(after.last("uid-1", "c1", Hook.POST_START)).contains(HookJournal.State.SUCCEEDED);
        assertThat(after.last("uid-1", "c3", Hook.POST_START)).isEmpty();
        assertThat(after.interrupted("uid-2", Hook.POST_START)).isEmpty();
    }

    @Test
    void eachRecordIsOneLineWithTheTimeTheInstanceTheHookAndTheState() throws Exception {
        HookJournal journal = new HookJournal(pods, clock);
        journal.started("uid-1", "abc", Hook.PRE_STOP);
        journal.finished("uid-1", "abc", Hook.PRE_STOP, HookJournal.State.CANCELLED);

        assertThat(Files.readAllLines(pods.resolve("uid-1").resolve(HookJournal.FILE))).containsExactly(
                "1748779200000 abc preStop started", "1748779200000 abc preStop cancelled");
    }

    @Test
    void aTornLastLineFromACrashIsIgnored() throws Exception {
        HookJournal journal = new HookJournal(pods, clock);
        journal.started("uid-1", "abc", Hook.POST_START);
        Files.writeString(pods.resolve("uid-1").resolve(HookJournal.FILE), "1748779200000 abc postSt",
                java.nio.file.StandardOpenOption.APPEND);

        assertThat(new HookJournal(pods, clock).interrupted("uid-1", Hook.POST_START)).containsExactly("abc");
    }

    @Test
    void theFileIsCompactedToTheLastStatePerInstanceOnceItGrows() throws Exception {
        HookJournal journal = new HookJournal(pods, clock);
        for (int i = 0; i < HookJournal.COMPACT_AFTER + 10; i++) {
            journal.started("uid-1", "c" + (i % 3), Hook.POST_START);
        }
        journal.finished("uid-1", "c0", Hook.POST_START, HookJournal.State.FAILED);

        assertThat(Files.readAllLines(pods.resolve("uid-1").resolve(HookJournal.FILE)).size())
                .isLessThan(HookJournal.COMPACT_AFTER);
        HookJournal after = new HookJournal(pods, clock);
        assertThat(after.statesOf("uid-1", Hook.POST_START)).isEqualTo(Map.of("c0", HookJournal.State.FAILED,
                "c1", HookJournal.State.STARTED, "c2", HookJournal.State.STARTED));
    }

    @Test
    void forgettingAPodRemovesItsJournalAndItsEmptyDirectory() {
        HookJournal journal = new HookJournal(pods, clock);
        journal.started("uid-1", "abc", Hook.POST_START);
        journal.forget("uid-1");

        assertThat(pods.resolve("uid-1")).doesNotExist();
        assertThat(journal.last("uid-1", "abc", Hook.POST_START)).isEqualTo(Optional.empty());
    }
}
