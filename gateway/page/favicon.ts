// The site icon: a shield with a star, in the pages' link colour. Plain SVG, no script.

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<path d="M16 1.5 3.5 6v9.2c0 7.6 5.3 13.5 12.5 15.3 7.2-1.8 12.5-7.7 12.5-15.3V6z" fill="#0b57d0"/>' +
  '<path d="m16 7.5 2.6 5.3 5.8.8-4.2 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.2-4.1 5.8-.8z" fill="#fff"/></svg>';

/** The icon does not change between releases often enough to matter: browsers keep it a year. */
export const FAVICON_CACHE = "public, max-age=31536000";

/** The <link> every page's head carries. */
export const FAVICON_LINK = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';
