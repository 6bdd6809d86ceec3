/** Scopes the Alexa skill asks for, with the plain words the consent page uses. */
export const ALEXA_SCOPES = ['music.read', 'music.control'] as const;

export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'music.read': 'see your Music Assistant library, players and what is playing',
  'music.control': 'play, pause and change music on your Music Assistant players',
};
