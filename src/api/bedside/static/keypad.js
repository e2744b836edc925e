// Touch-friendly PIN entry: a modal keypad with large keys (>= 56 px), also usable from a
// laptop keyboard (digits, letters for a token, Backspace, Enter, Escape).

export class Keypad {
  /** @param {HTMLElement} root the #keypad dialog element (see index.html) */
  constructor(root) {
    this.root = root;
    this.input = /** @type {HTMLInputElement} */ (root.querySelector('#pin-input'));
    this.message = /** @type {HTMLElement} */ (root.querySelector('#pin-message'));
    /** @type {((pin: string | null) => void) | null} */
    this.resolve = null;
    root.querySelectorAll('[data-key]').forEach((b) =>
      b.addEventListener('click', () => {
        const k = /** @type {HTMLElement} */ (b).dataset.key;
        if (k === 'back') this.input.value = this.input.value.slice(0, -1);
        else if (k === 'ok') this.finish(this.input.value);
        else if (k === 'cancel') this.finish(null);
        else if (this.input.value.length < 32) this.input.value += k;
      }),
    );
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.finish(this.input.value);
      if (e.key === 'Escape') this.finish(null);
    });
  }

  /** Shows the keypad; resolves with the PIN entered, or null when cancelled. */
  ask(message) {
    this.finish(null);
    this.message.textContent = message;
    this.input.value = '';
    this.root.hidden = false;
    this.input.focus();
    return new Promise((resolve) => (this.resolve = resolve));
  }

  finish(pin) {
    const r = this.resolve;
    this.resolve = null;
    this.root.hidden = true;
    if (r) r(pin === '' ? null : pin);
  }
}
