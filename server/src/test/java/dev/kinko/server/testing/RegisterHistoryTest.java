package dev.kinko.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker finds each kind of violation, so a test that runs it can fail. */
class RegisterHistoryTest {
    @Test
    void aLinearizableHistoryPasses() {
        RegisterHistory h = new RegisterHistory();
        h.wrote("k", 1, 0, 10);
        h.wrote("k", 2, 20, 30);
        h.read("k", 1, 5, 12);   // concurrent with write 1
        h.read("k", 1, 11, 25);  // write 2 not acknowledged yet
        h.read("k", 2, 25, 40);  // write 2 had begun
        h.wroteMaybe("k", 3, 50);
        h.read("k", 3, 60, 70);  // a write of unknown outcome may take effect
        assertThat(h.violations()).isEmpty();
    }

    @Test
    void aStaleReadAfterAnAcknowledgedWriteIsAViolation() {
        RegisterHistory h = new RegisterHistory();
        h.wrote("k", 1, 0, 10);
        h.read("k", 0, 11, 20);
        assertThat(h.violations()).singleElement().asString().contains("acknowledged before it began");
    }

    @Test
    void aValueFromTheFutureIsAViolation() {
        RegisterHistory h = new RegisterHistory();
        h.wrote("k", 1, 30, 40);
        h.read("k", 1, 0, 20);
        assertThat(h.violations()).singleElement().asString().contains("no write had begun");
    }

    @Test
    void aReadGoingBackInTimeIsAViolation() {
        RegisterHistory h = new RegisterHistory();
        h.wrote("k", 1, 0, 100);
        h.read("k", 1, 10, 20);
        h.read("k", 0, 30, 40); // write 1 is still unacknowledged, but a read that ended before saw it
        assertThat(h.violations()).singleElement().asString().contains("after read");
    }
}
