/** A tiny typed listener set; listener errors are reported, never thrown into the emitter's caller. */
export class Listeners<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly sets = new Map<keyof Events, Set<(...args: never[]) => void>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.sets.get(event);
    if (!set) {
      set = new Set();
      this.sets.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.sets.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
