import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../orchestrator/cli/commands.js';
import { commandOf, createProgram } from '../../../orchestrator/cli/program.js';

describe('the commands table', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s: its help term and summary are the loaded command’s own',
    async (_, entry) => {
      // Act
      const cmd = (await entry.load())();
      // Assess: the listing `fanout --help` shows without loading the command says what the command itself says
      expect(new Help().subcommandTerm(cmd)).toBe(entry.term);
      expect(cmd.description()).toBe(entry.summary);
      expect(cmd.name()).toBe(entry.name);
    },
  );

  it('loads only the command a line runs; --help lists every one the same way either way', async () => {
    // Act
    const lazy = await createProgram(undefined, '');
    const full = await createProgram();
    // Assess
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(lazy.commands.map((c) => c.options.length)).toEqual(COMMANDS.map(() => 0));
    expect(commandOf(['run', 'primes', '--limit', '10'])).toBe('run');
    expect(commandOf(['--json', 'help', 'compare'])).toBe('compare');
    expect(commandOf(['--version'])).toBe('');
    expect(commandOf(['frobnicate'])).toBe('');
  });
});
