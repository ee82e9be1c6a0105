/** A set that forgets its oldest members past a bound; remembers handled ackIds to answer Duplicate. */
export class RecentIds {
  private readonly ids = new Set<number>();

  constructor(private readonly limit: number) {}

  has(id: number): boolean {
    return this.ids.has(id);
  }

  add(id: number): void {
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}
