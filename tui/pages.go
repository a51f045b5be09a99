package tui

import tea "charm.land/bubbletea/v2"

// page is one screen of the app: what a key does there, what it shows and
// the keys its help bar names. The app routes by its current screen; each
// screen's code lives in its own files (walk.go, walkview.go and signing.go for a
// keyholder's turn, rotate.go and rotateview.go, claims.go and
// claimsview.go, chooser.go, form.go, dashboard.go, note.go).
type page struct {
	update func(Model, tea.KeyPressMsg) (tea.Model, tea.Cmd)
	view   func(Model) []string
	help   func(Model) string
}

// pageOf is the page of screen s: the app's one router.
func pageOf(s screen) (page, bool) {
	switch s {
	case screenDashboard:
		return page{Model.updateDashboard, func(m Model) []string { return m.dash.view(m.ws, m.styles) }, Model.dashboardHelp}, true
	case screenNote:
		return page{Model.updateNote, Model.noteView, Model.noteHelp}, true
	case screenChooser:
		return page{Model.updateChooser, Model.chooserView, Model.chooserHelp}, true
	case screenForm:
		return page{Model.updateForm, Model.formView, Model.formHelp}, true
	case screenWelcome:
		return page{Model.updateWelcome, Model.welcomeView, Model.welcomeHelp}, true
	case screenPlan:
		return page{Model.updatePlan, Model.planView, Model.planHelp}, true
	case screenRollCall:
		return page{Model.updateRollCall, Model.rollCallView, Model.rollCallHelp}, true
	case screenDevice:
		return page{Model.updateDevice, Model.deviceView, Model.deviceHelp}, true
	case screenTray:
		return page{Model.updateTray, Model.trayView, Model.trayHelp}, true
	case screenReview:
		return page{Model.updateReview, Model.reviewView, Model.reviewHelp}, true
	case screenSigning:
		return page{Model.updateWaiting, Model.signingView, Model.signingHelp}, true
	case screenTouch:
		return page{Model.updateWaiting, Model.touchView, Model.signingHelp}, true
	case screenPIN:
		return page{Model.updatePIN, Model.pinView, Model.pinHelp}, true
	case screenSigned:
		return page{Model.updateSigned, Model.signedView, Model.signedHelp}, true
	case screenFinish:
		return page{Model.updateFinish, Model.finishView, Model.finishHelp}, true
	case screenResult:
		return page{Model.updateResult, Model.resultView, Model.resultHelp}, true
	case screenRotationPlan:
		return page{Model.updateRotationPlan, Model.rotationPlanView, Model.rotationPlanHelp}, true
	case screenDate:
		return page{Model.updateDate, Model.dateView, Model.dateHelp}, true
	case screenSeal:
		return page{Model.updateSeal, Model.sealView, Model.sealHelp}, true
	case screenWords:
		return page{Model.updateWords, Model.wordsView, Model.wordsHelp}, true
	case screenClaimsReview:
		return page{Model.updateClaimsReview, Model.claimsReviewView, Model.claimsReviewHelp}, true
	}
	return page{}, false
}
