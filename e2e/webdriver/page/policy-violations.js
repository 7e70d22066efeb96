window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.policyViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
);
