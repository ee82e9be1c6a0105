import { advertisedToolName, toolAlias, type ToolName, type ToolNaming } from '@remote-agent/contracts';
import type { Tool, ToolNamer } from './tool.js';

/**
 * The tools under their names: one advertised name each (per naming mode), and a call accepted by either
 * the canonical dotted name or the underscore alias whatever the mode, so a client configured against the
 * other mode keeps working.
 */
export class ToolRegistry {
  readonly naming: ToolNaming;
  private readonly tools: readonly Tool[];
  private readonly byName = new Map<string, Tool>();

  constructor(tools: readonly Tool[], naming: ToolNaming) {
    this.naming = naming;
    this.tools = tools;
    for (const tool of tools) {
      for (const name of new Set([tool.name, toolAlias(tool.name)])) {
        if (this.byName.has(name)) throw new Error(`two MCP tools share the name ${name}`);
        this.byName.set(name, tool);
      }
    }
  }

  readonly nameOf: ToolNamer = (canonical: ToolName) => advertisedToolName(canonical, this.naming);

  advertised(): Array<{ name: string; tool: Tool }> {
    return this.tools.map((tool) => ({ name: this.nameOf(tool.name), tool }));
  }

  find(name: string): Tool | undefined {
    return this.byName.get(name);
  }
}
