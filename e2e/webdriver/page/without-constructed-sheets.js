// An engine from before constructed stylesheets (Safari before 16.4): roots have no
// adoptedStyleSheets, so the widget must fall back to a <style> of its own.
delete Document.prototype.adoptedStyleSheets;
delete ShadowRoot.prototype.adoptedStyleSheets;
