/**
 * Prompts, behind an interface so tests can answer them and so
 * @inquirer/prompts is loaded only by commands that ask something.
 */
export interface Prompter {
  input(opts: {
    message: string;
    default?: string;
    validate?: (v: string) => true | string;
  }): Promise<string>;
  confirm(opts: { message: string; default?: boolean }): Promise<boolean>;
  select<T extends string>(opts: {
    message: string;
    choices: readonly { value: T; name: string; description?: string }[];
    default?: T;
  }): Promise<T>;
  password(opts: { message: string; validate?: (v: string) => true | string }): Promise<string>;
}

export function inquirerPrompter(): Prompter {
  const load = () => import('@inquirer/prompts');
  return {
    async input(opts) {
      return (await load()).input(opts);
    },
    async confirm(opts) {
      return (await load()).confirm(opts);
    },
    async select(opts) {
      const { select } = await load();
      return select({ ...opts, choices: [...opts.choices] });
    },
    async password(opts) {
      return (await load()).password({ ...opts, mask: '*' });
    },
  };
}
