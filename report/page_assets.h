#ifndef REPORT_PAGE_ASSETS_H_
#define REPORT_PAGE_ASSETS_H_

// The files the report page is made of, built into the program
// (report/BUILD: page_assets_cc), so a report needs nothing at run time.

namespace gan::report {

extern const char kPageTemplate[];  // report/page.html
extern const char kUplotScript[];   // uPlot's minified script (npm: uplot)
extern const char kUplotStyle[];    // uPlot's style sheet

}  // namespace gan::report

#endif  // REPORT_PAGE_ASSETS_H_
