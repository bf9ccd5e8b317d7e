// An action done only after a few seconds, which can be taken back until then: closing a
// conversation from the keyboard. Taken back means never sent.

export function undoable(run, { delayMs, onUndo = () => {}, onDone = () => {} }) {
  let timer = window.setTimeout(() => {
    timer = null;
    onDone();
    run();
  }, delayMs);
  return {
    get pending() {
      return timer !== null;
    },
    // Returns whether there was still something to take back.
    undo() {
      if (timer === null) return false;
      window.clearTimeout(timer);
      timer = null;
      onUndo();
      return true;
    },
    // Do it now (another close is asked for before this one's time is up).
    now() {
      if (timer === null) return;
      window.clearTimeout(timer);
      timer = null;
      onDone();
      run();
    },
  };
}
