/**
 * How the dashboard's script is built, for the browser, as one file with nothing from a CDN (the page
 * works offline): by tsup into dist/dashboard/app.js (tsup.config.ts), and by the dev server itself
 * when it runs from sources (vitest). One definition, so that both builds agree.
 */
export const DASHBOARD_BUILD = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, legalComments: 'none', charset: 'utf8' } as const;
